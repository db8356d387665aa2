package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.cpu.CpuBackend;
import imfengine.nn.ImfDiT;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Ref;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step's JVP tangent {@code v_c} comes from one guidance call of 2B examples with ω' folded in. Checked here
 * against the spec's definition (IMF_SPEC.md §2.5), example by example, each from a call of its own:
 * {@code V(z, 1, y)} outside the guidance interval and {@code V(z, ω, y)} inside (where it is {@code v_c_full}).
 * The step of {@link MicroBatchTest} has examples of both kinds.
 */
class GuidanceCallTest {
    private static final double TOL = 1e-5;

    @Test void theTangentIsEachExamplesOwnCallWithOmegaPrime() {
        CpuBackend be = new CpuBackend(1, true);
        ImfDiT net = TinyModels.perturbed(be, 3, 0.2); // zero-initialised gates and heads would make v blind to ω
        int b = MicroBatchTest.B, pixels = (int) (MicroBatchTest.IMAGE.size() / b);
        RecordingProbe probe = new RecordingProbe();
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            StepDraws d = StepDraws.draw(cx, ObjectiveConfig.paper(), MicroBatchTest.IMAGE, MicroBatchTest.SEED, MicroBatchTest.STEP, 0);
            Tensor x = Host.upload(cx, TinyModels.images(b, 9), net.imageShape(b));
            new ImfObjective(ObjectiveConfig.paper(), probe).loss(cx, net, x, Host.upload(cx, MicroBatchTest.LABELS), d);
            float[] t = Host.floats(d.t()), lo = Host.floats(d.tMin()), hi = Host.floats(d.tMax()), omega = Host.floats(d.omega());
            int outside = 0;
            for (int i = 0; i < b; i++) {
                boolean out = t[i] < lo[i] || t[i] > hi[i];
                if (out) outside++;
                float[] z = Arrays.copyOfRange(probe.z, i * pixels, (i + 1) * pixels);
                float[] vc = Arrays.copyOfRange(probe.tangent, i * pixels, (i + 1) * pixels);
                double err = Ref.relErr(vc, vHead(cx, net, z, out ? 1f : omega[i], MicroBatchTest.LABELS[i]));
                assertTrue(err <= TOL, "example " + i + (out ? " (outside)" : " (inside)") + ": v_c against its own call, rel err " + err);
                if (out) { // the test can tell: v_c_full, the call at ω, is another velocity
                    double full = Ref.relErr(vc, vHead(cx, net, z, omega[i], MicroBatchTest.LABELS[i]));
                    assertTrue(full > 100 * TOL, "example " + i + ": v_c against V(z, ω, y), rel err " + full);
                }
            }
            assertTrue(outside > 0 && outside < b, "examples outside their interval: " + outside + " of " + b);
        }
    }

    /** The v-head on one example at h = 0, t_min = 0, t_max = 1, as the guidance call runs it. */
    private static float[] vHead(Context cx, ImfDiT net, float[] z, float omega, int label) {
        try (Context g = cx.child(Context.Tape.OFF)) {
            Shape one = Shape.of(1);
            ImfDiT.Conditions c = new ImfDiT.Conditions(g.full(one, omega), g.zeros(one), g.full(one, 1),
                    Host.upload(g, new int[]{label}));
            ImfDiT.Output out = net.forward(g, g.constant(Host.upload(g, z, net.imageShape(1))), g.constant(g.zeros(one)), c, ImfDiT.Heads.V);
            return Host.floats(out.v().value());
        }
    }
}
