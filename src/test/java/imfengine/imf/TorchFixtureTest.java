package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.nn.Parameter;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine against an independent float64 PyTorch implementation (tools/reference/imf_torch.py):
 * the same tiny model, batch and draws, compared on the dual forward (u, v, du), the iMF loss
 * and every parameter gradient. The committed fixture is all this needs (no torch in CI).
 */
class TorchFixtureTest {
    static final String RESOURCE = "/fixtures/imf_tiny_v1.bin";
    /** Norm-wise relative bounds, ‖java − torch‖ / ‖torch‖ (float32 engine vs float64 reference). */
    static final double OUTPUTS = 1e-5, LOSS = 1e-5, GRADS = 1e-4;

    static TorchFixture fx;

    @BeforeAll static void load() throws IOException { fx = TorchFixture.load(RESOURCE); }

    static ModelConfig config() {
        int[] c = fx.ints("config");
        return new ModelConfig("tiny", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
    }

    /** A Java model holding the fixture's weights, copied in by parameter name. */
    static ImfDiT model(CpuBackend be) {
        ImfDiT net = new ImfDiT(config(), be, 0, true);
        for (Parameter p : net.parameters()) {
            String key = "param." + p.name();
            assertArrayEquals(p.value().shape().dims(), fx.dims(key), "shape of " + p.name());
            be.upload(fx.floats(key), p.value());
        }
        return net;
    }

    @Test void configIsTheJavaTinyModel() {
        assertEquals(TinyModels.TINY, config());
    }

    @Test void parameterNamesMatchTheTorchStateDict() {
        Set<String> java = new ImfDiT(config(), Backends.SIMD, 0, true).parameters().stream()
                .map(Parameter::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> torch = fx.arrays().keySet().stream().filter(k -> k.startsWith("param."))
                .map(k -> k.substring("param.".length())).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(torch, java);
        assertEquals(torch.size(), fx.arrays().keySet().stream().filter(k -> k.startsWith("grad.")).count());
    }

    @Test void dualForwardMatchesTorch() {
        for (CpuBackend be : Backends.BOTH) {
            ImfDiT net = model(be);
            int b = fx.ints("labels").length;
            Shape img = Shape.of(fx.dims("dual.z"));
            float[] ones = new float[b];
            Arrays.fill(ones, 1f);
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                Var z = cx.dual(Host.upload(cx, fx.floats("dual.z"), img), Host.upload(cx, fx.floats("dual.tangent"), img));
                Var h = cx.dual(Host.upload(cx, fx.floats("dual.h"), Shape.of(b)), Host.upload(cx, ones, Shape.of(b)));
                ImfDiT.Output out = net.forward(cx, z, h, new ImfDiT.Conditions(Host.upload(cx, fx.floats("draws.omega"), b),
                        Host.upload(cx, fx.floats("draws.t_min"), b), Host.upload(cx, fx.floats("draws.t_max"), b),
                        Host.upload(cx, fx.ints("dual.labels"))), ImfDiT.Heads.BOTH);
                double eu = Ref.relErr(Host.floats(out.u().value()), fx.floats("dual.u"));
                double ev = Ref.relErr(Host.floats(out.v().value()), fx.floats("dual.v"));
                double edu = Ref.relErr(Host.floats(out.u().tangent()), fx.floats("dual.du"));
                System.out.printf("TorchFixtureTest %s dual forward: rel err u %.2e, v %.2e, du %.2e%n", be.name(), eu, ev, edu);
                assertTrue(eu <= OUTPUTS, be.name() + ": u vs torch, rel err " + eu);
                assertTrue(ev <= OUTPUTS, be.name() + ": v vs torch, rel err " + ev);
                assertTrue(edu <= OUTPUTS, be.name() + ": du vs torch, rel err " + edu);
            }
        }
    }

    @Test void lossAndEveryGradientMatchTorch() {
        for (CpuBackend be : Backends.BOTH) {
            ImfDiT net = model(be);
            int[] counts = fx.ints("draws.counts");
            int b = fx.ints("labels").length;
            float[] drop = new float[b];
            Arrays.fill(drop, 0, counts[1], 1f);
            RecordingProbe f = new RecordingProbe();
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                StepDraws d = new StepDraws(Host.upload(cx, fx.floats("draws.t"), b), Host.upload(cx, fx.floats("draws.r"), b), counts[0],
                        Host.upload(cx, fx.floats("draws.noise"), net.imageShape(b)), Host.upload(cx, fx.floats("draws.t_min"), b),
                        Host.upload(cx, fx.floats("draws.t_max"), b), Host.upload(cx, fx.floats("draws.omega"), b), Host.upload(cx, drop, b));
                ImfObjective.Result r = new ImfObjective(ObjectiveConfig.paper(), f)
                        .loss(cx, net, Host.upload(cx, fx.floats("x"), net.imageShape(b)), Host.upload(cx, fx.ints("labels")), d);
                double loss = Host.floats(r.loss().value())[0];
                assertArrayEquals(fx.ints("dual.labels"), f.labels, "labels after class dropout");
                double eLoss = Ref.relErr(loss, fx.floats("loss.value")[0]);
                // the adaptive weights put the loss near 2 whatever the errors: the plain MSEs are the sharper check
                double eMse = Math.max(Ref.relErr(Host.floats(r.mseU())[0], fx.floats("loss.mse")[0]),
                        Ref.relErr(Host.floats(r.mseV())[0], fx.floats("loss.mse")[1]));
                double eTarget = Ref.relErr(f.target, fx.floats("loss.target"));
                double eTangent = Ref.relErr(f.tangent, fx.floats("loss.tangent"));
                // du is computed only where h = t − r ≠ 0 (DualForward): compare there, and it is 0 on the leading h = 0 rows
                int pixels = f.du.length / b;
                int split = counts[0] * pixels;
                assertTrue(split > 0, "the fixture has flow-matching examples");
                float[] torchDu = fx.floats("loss.du");
                double eDu = Ref.relErr(Arrays.copyOfRange(f.du, split, f.du.length), Arrays.copyOfRange(torchDu, split, torchDu.length));
                for (int j = 0; j < split; j++) assertEquals(0f, f.du[j], "du where h = 0");
                Autodiff.backward(r.loss());
                double worst = 0;
                String worstName = "";
                for (Parameter p : net.parameters()) {
                    double e = Ref.relErr(Host.floats(p.gradient()), fx.floats("grad." + p.name()));
                    if (e > worst) { worst = e; worstName = p.name(); }
                }
                System.out.printf("TorchFixtureTest %s loss: %.9f (torch %.9f) rel err %.2e, mse %.2e; target %.2e, tangent %.2e, du %.2e;"
                        + " worst gradient %.2e (%s)%n", be.name(), loss, fx.floats("loss.value")[0], eLoss, eMse, eTarget, eTangent, eDu, worst, worstName);
                assertTrue(eLoss <= LOSS, be.name() + ": loss " + loss + " vs torch " + fx.floats("loss.value")[0]);
                assertTrue(eMse <= LOSS, be.name() + ": unweighted MSEs vs torch, rel err " + eMse);
                assertTrue(eTarget <= OUTPUTS, be.name() + ": guided target v_g vs torch, rel err " + eTarget);
                assertTrue(eTangent <= OUTPUTS, be.name() + ": tangent v_c vs torch, rel err " + eTangent);
                assertTrue(eDu <= OUTPUTS, be.name() + ": du of the step vs torch, rel err " + eDu);
                assertTrue(worst <= GRADS, be.name() + ": gradient of " + worstName + " vs torch, rel err " + worst);
            }
        }
    }

    @Test void staleFixtureFailsWithTheRegenerateHint() {
        ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(TorchFixture.MAGIC).putInt(TorchFixture.VERSION + 1).putInt(0);
        IOException version = assertThrows(IOException.class, () -> TorchFixture.read(header.array(), "test"));
        assertTrue(version.getMessage().contains(TorchFixture.HINT), version.getMessage());
        header.putInt(0, 1234);
        IOException magic = assertThrows(IOException.class, () -> TorchFixture.read(header.array(), "test"));
        assertTrue(magic.getMessage().contains(TorchFixture.HINT), magic.getMessage());
    }
}
