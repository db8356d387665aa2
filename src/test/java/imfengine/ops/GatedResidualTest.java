package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.FusedCheck;
import imfengine.testing.OpCheck;
import imfengine.testing.Unfused;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused gated residual {@code x + branch ⊙ gate}: against float64 and against {@code add(x, mul(branch, gate))}. */
class GatedResidualTest {

    @Test void matchesReferenceAndDerivatives() {
        for (int[] s : new int[][]{{3, 37}, {5, 19}, {2, 4, 96}, {1, 15}}) {
            int n = s[s.length - 1];
            OpCheck.op("gated residual " + java.util.Arrays.toString(s)).input(s).input(s).input(n)
                    .engine(in -> GatedResidual.apply(in[0], in[1], in[2])).reference(in -> reference(in[0], in[1], in[2])).check();
        }
    }

    /** Rows enough for several partial sums of the gate's gradient (CpuGatedResidual splits them by shape). */
    @Test void fusedMatchesUnfused() {
        for (int[] s : new int[][]{{3, 37}, {2, 3, 32}, {600, 96}})
            FusedCheck.op("gated residual " + java.util.Arrays.toString(s)).input(s).input(s).input(s[s.length - 1])
                    .fused(in -> GatedResidual.apply(in[0], in[1], in[2]))
                    .unfused(in -> Unfused.gatedResidual(in[0], in[1], in[2])).check();
    }

    /** The forward pass rounds as mul then add do: the same bits as the unfused ops on every backend. */
    @Test void forwardHasTheUnfusedBits() {
        Shape s = Shape.of(7, 40);
        float[] x = draw(s.intSize(), 1), b = draw(s.intSize(), 2), g = draw(40, 3);
        for (Backend be : Backends.all()) {
            try (Context cx = Context.open(be, Context.Tape.OFF)) {
                Var xv = cx.constant(Host.upload(cx, x, s)), bv = cx.constant(Host.upload(cx, b, s)), gv = cx.constant(Host.upload(cx, g, Shape.of(40)));
                assertArrayEquals(Host.floats(Unfused.gatedResidual(xv, bv, gv).value()), Host.floats(GatedResidual.apply(xv, bv, gv).value()),
                        "gated residual on " + be.name());
            }
        }
    }

    /** Tangents on x only, on the branch only, or on the gate: the absent ones count as zero. */
    @Test void oneSidedTangents() {
        try (Context cx = Context.open(Backends.SIMD, Context.Tape.RECORD)) {
            Shape s = Shape.of(2, 3);
            float[] xv = {1, 2, 3, 4, 5, 6}, bv = {-1, 0.5f, 2, 3, -2, 1}, gv = {0.5f, -1, 2}, t = {1, -1, 2, 0.5f, 3, -2};
            Var x = cx.constant(Host.upload(cx, xv, s)), b = cx.constant(Host.upload(cx, bv, s)), g = cx.constant(Host.upload(cx, gv, Shape.of(3)));
            Var tx = cx.dual(Host.upload(cx, xv, s), Host.upload(cx, t, s));
            Var tb = cx.dual(Host.upload(cx, bv, s), Host.upload(cx, t, s));
            Var tg = cx.dual(Host.upload(cx, gv, Shape.of(3)), Host.upload(cx, new float[]{1, 2, -1}, Shape.of(3)));
            float[] onX = Host.floats(GatedResidual.apply(tx, b, g).tangent());
            float[] onB = Host.floats(GatedResidual.apply(x, tb, g).tangent());
            float[] onG = Host.floats(GatedResidual.apply(x, b, tg).tangent());
            float[] tgv = {1, 2, -1};
            for (int i = 0; i < 6; i++) {
                assertTrue(onX[i] == t[i], "tx only: ty[" + i + "] = " + onX[i] + ", want " + t[i]);
                assertTrue(onB[i] == t[i] * gv[i % 3], "tbranch only: ty[" + i + "] = " + onB[i]);
                assertTrue(onG[i] == bv[i] * tgv[i % 3], "tgate only: ty[" + i + "] = " + onG[i]);
            }
            assertTrue(GatedResidual.apply(x, b, g).tangent() == null, "no tangents in, none out");
        }
    }

    @Test void badShapesFailNamingThem() {
        try (Context cx = Context.open(Backends.SIMD, Context.Tape.OFF)) {
            Var x = cx.constant(cx.zeros(Shape.of(2, 3)));
            var e = assertThrows(IllegalArgumentException.class, () -> GatedResidual.apply(x, cx.constant(cx.zeros(Shape.of(3, 2))), cx.constant(cx.zeros(Shape.of(3)))));
            assertTrue(e.getMessage().contains("gated residual") && e.getMessage().contains("[3, 2]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> GatedResidual.apply(x, x, cx.constant(cx.zeros(Shape.of(2)))));
            assertTrue(e.getMessage().contains("gate [2]"), e.getMessage());
        }
    }

    static double[] reference(double[] x, double[] b, double[] g) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] + b[i] * g[i % g.length];
        return y;
    }

    private static float[] draw(int n, long seed) {
        var r = new java.util.SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 4 - 2);
        return v;
    }
}
