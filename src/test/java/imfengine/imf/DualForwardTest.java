package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.nn.ImfDiT;
import imfengine.nn.Parameter;
import imfengine.ops.Activations;
import imfengine.ops.Arithmetic;
import imfengine.ops.Untaped;
import imfengine.ops.Reductions;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import imfengine.testing.Tol;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DualForward} (tangents only where h ≠ 0) against one dual forward of the whole batch: the
 * same u and v, the same du wherever h ≠ 0, du = 0 where h = 0, and the same gradient of an iMF-shaped
 * loss {@code Σ w·(u + h·sg(du))² + Σ v²} for every parameter.
 */
class DualForwardTest {
    static final int B = 5;
    final float[] x = TinyModels.images(B, 3), tangent = TinyModels.images(B, 4);
    final float[] h = {0f, 0f, 0.3f, 0.7f, 0.05f}, om = {1f, 2.5f, 3f, 1f, 6f}, lo = {0f, 0f, 0.1f, 0.2f, 0.3f}, hi = {1f, 1f, 0.9f, 0.6f, 0.8f};
    final int[] y = {3, 1, 2, 0, 1};

    @Test void equalsOneDualForwardOfTheWholeBatch() {
        for (CpuBackend be : Backends.BOTH) {
            Run whole = run(be, false), split = run(be, true);
            int pixels = x.length / B, lead = 2 * pixels;
            double eu = Ref.relErr(split.u, whole.u), ev = Ref.relErr(split.v, whole.v);
            double edu = Ref.relErr(Arrays.copyOfRange(split.du, lead, split.du.length), Arrays.copyOfRange(whole.du, lead, whole.du.length));
            assertTrue(eu <= Tol.FORWARD && ev <= Tol.FORWARD, be.name() + ": outputs differ: " + eu + ", " + ev);
            assertTrue(edu <= Tol.FORWARD, be.name() + ": du differs where h ≠ 0: " + edu);
            for (int j = 0; j < lead; j++) assertEquals(0f, split.du[j], "du where h = 0");
            assertTrue(whole.du[0] != 0f, "the whole-batch dual forward does compute du where h = 0");
            assertTrue(Ref.relErr(split.loss, whole.loss) <= Tol.FORWARD);
            for (int i = 0; i < whole.grads.size(); i++) {
                double e = Ref.relErr(split.grads.get(i), whole.grads.get(i));
                assertTrue(e <= Tol.FUSED * 10, be.name() + ": gradient " + i + " differs: " + e);
            }
        }
    }

    private record Run(float[] u, float[] v, float[] du, double loss, List<float[]> grads) {}

    private Run run(CpuBackend be, boolean split) {
        ImfDiT net = TinyModels.perturbed(be, 11, 0.1);
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Shape img = net.imageShape(B);
            Tensor z = Host.upload(cx, x, img), tz = Host.upload(cx, tangent, img), hs = Host.upload(cx, h, B);
            ImfDiT.Conditions c = new ImfDiT.Conditions(Host.upload(cx, om, B), Host.upload(cx, lo, B), Host.upload(cx, hi, B),
                    Host.upload(cx, y));
            ImfDiT.Output out = split
                    ? DualForward.run(cx, net, z, tz, hs, c, ImfDiT.Heads.BOTH, 2)
                    : net.forward(cx, cx.dual(z, tz), cx.dual(hs, cx.full(Shape.of(B), 1)), c, ImfDiT.Heads.BOTH);
            Tensor du = out.u().tangent();
            Var compound = Arithmetic.add(out.u().primal(), cx.constant(Untaped.mul(cx, du, hs.reshape(B, 1, 1, 1))));
            Var loss = Arithmetic.add(Reductions.meanAll(Activations.square(compound)), Reductions.meanAll(Activations.square(out.v())));
            double l = Host.floats(loss.value())[0];
            Autodiff.backward(loss);
            List<float[]> grads = new ArrayList<>();
            for (Parameter p : net.parameters()) grads.add(Host.floats(p.gradient()));
            return new Run(Host.floats(out.u().value()), Host.floats(out.v().value()), Host.floats(du), l, grads);
        }
    }
}
