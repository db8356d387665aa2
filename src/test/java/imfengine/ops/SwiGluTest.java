package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Var;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.FusedCheck;
import imfengine.testing.OpCheck;
import imfengine.testing.Unfused;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fused SwiGLU gate {@code silu(a) ⊙ b}: against float64 and against {@code mul(silu(a), b)}. */
class SwiGluTest {

    @Test void matchesReferenceAndDerivatives() {
        for (int[] s : new int[][]{{3, 37}, {5, 19}, {4, 96}, {1, 15}})
            OpCheck.op("swiglu " + s[0] + "x" + s[1]).input(s).input(s)
                    .engine(in -> SwiGlu.gate(in[0], in[1])).reference(in -> reference(in[0], in[1])).check();
    }

    @Test void fusedMatchesUnfused() {
        for (int[] s : new int[][]{{3, 37}, {5, 19}, {2, 3, 32}})
            FusedCheck.op("swiglu " + java.util.Arrays.toString(s)).input(s).input(s)
                    .fused(in -> SwiGlu.gate(in[0], in[1]))
                    .unfused(in -> Unfused.swiglu(in[0], in[1])).check();
    }

    /** Only one side carrying a tangent: the other counts as zero. */
    @Test void oneSidedTangents() {
        var be = Backends.SIMD;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Shape s = Shape.of(2, 3);
            float[] av = {-1, 0, 0.5f, 2, -3, 1}, bv = {1, 2, 3, 4, 5, 6};
            Var a = cx.dual(Host.upload(cx, av, s), Host.upload(cx, new float[]{1, 1, 1, 1, 1, 1}, s));
            Var b = cx.constant(Host.upload(cx, bv, s));
            float[] ty = Host.floats(SwiGlu.gate(a, b).tangent());
            for (int i = 0; i < 6; i++) {
                double sg = 1 / (1 + Math.exp(-av[i]));
                double want = sg * (1 + av[i] * (1 - sg)) * bv[i];
                assertTrue(Math.abs(ty[i] - want) <= 1e-5 * (1 + Math.abs(want)), "ty[" + i + "] = " + ty[i] + ", want " + want);
            }
            var e = assertThrows(IllegalArgumentException.class,
                    () -> SwiGlu.gate(a, cx.constant(cx.zeros(Shape.of(3, 2)))));
            assertTrue(e.getMessage().contains("swiglu") && e.getMessage().contains("[3, 2]"), e.getMessage());
        }
    }

    static double[] reference(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) y[i] = a[i] / (1 + Math.exp(-a[i])) * b[i];
        return y;
    }
}
