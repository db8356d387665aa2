package imfengine.ops;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.FusedCheck;
import imfengine.testing.OpCheck;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * QK-norm and RoPE as one op: against float64 and finite differences, against the two ops it replaces (to the bit on the
 * CPU's vector path, where the rows are turned while in L1), and its errors.
 */
class NormRopeTest {
    private static final float EPS = 1e-6f;

    /** Cases {B, L, heads, Dh}: all-tail heads, rows not a multiple of four, the xs head (32), the s head (64). */
    private static final int[][] CASES = {{2, 5, 2, 6}, {1, 7, 3, 10}, {2, 4, 3, 32}, {1, 3, 2, 64}};

    /** x the only input, the weight a constant (as in training, where only x has a tangent: the fused dual kernel runs). */
    @Test void matchesReferenceAndDerivatives() {
        for (int[] c : CASES) {
            int b = c[0], l = c[1], h = c[2], dh = c[3];
            float[] w = weight(dh);
            OpCheck.op("normRope B=" + b + " L=" + l + " heads=" + h + " Dh=" + dh).input(b, l, h * dh)
                    .engine(in -> NormRope.apply(in[0], constant(in[0], w), EPS, RopeTable.of(in[0].backend(), l, dh), h))
                    .reference(in -> RopeTest.reference(perHeadReference(in[0], w, b * l * h, dh), b, l, h, dh)).check();
        }
    }

    /** Against the two ops on every backend: with the weight a constant, and as an input (its gradient; its tangent). */
    @Test void fusedMatchesUnfused() {
        for (int[] c : CASES) {
            int b = c[0], l = c[1], h = c[2], dh = c[3];
            float[] w = weight(dh);
            String name = "normRope B=" + b + " L=" + l + " heads=" + h + " Dh=" + dh;
            FusedCheck.op(name).input(b, l, h * dh)
                    .fused(in -> NormRope.apply(in[0], constant(in[0], w), EPS, RopeTable.of(in[0].backend(), l, dh), h))
                    .unfused(in -> twoOps(in[0], constant(in[0], w), l, h, dh)).check();
            FusedCheck.op(name + ", weight an input").input(b, l, h * dh).input(dh)
                    .fused(in -> NormRope.apply(in[0], in[1], EPS, RopeTable.of(in[0].backend(), l, dh), h))
                    .unfused(in -> twoOps(in[0], in[1], l, h, dh)).check();
        }
    }

    /**
     * The vector path's values, tangents and gradients are those of the two ops to the bit, also where x's cotangent
     * already holds the residual's share (the kernel adds into it) and where the weight's gradient accumulates.
     */
    @Test void vectorPathGivesTheTwoOpsBits() {
        for (int[] c : CASES) {
            int b = c[0], l = c[1], h = c[2], dh = c[3];
            float[] w = weight(dh);
            for (boolean residual : new boolean[]{false, true}) {
                String name = "B=" + b + " L=" + l + " heads=" + h + " Dh=" + dh + (residual ? ", x + normRope(x)" : "");
                BiFunction<Var, Var, Var> fused = (x, wt) -> NormRope.apply(x, wt, EPS, RopeTable.of(x.backend(), l, dh), h);
                BiFunction<Var, Var, Var> unfused = (x, wt) -> twoOps(x, wt, l, h, dh);
                float[][] one = run(fused, residual, b, l, h, dh, w), two = run(unfused, residual, b, l, h, dh, w);
                String[] what = {"y", "ty", "dx", "dw", "y (no tangent)", "dx (no tangent)", "dw (no tangent)"};
                for (int i = 0; i < what.length; i++) assertArrayEquals(two[i], one[i], name + ": " + what[i]);
            }
        }
    }

    @Test void badShapesNameOpAndShapes() {
        Backend be = Backends.SIMD;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            RopeTable table = RopeTable.of(be, 4, 6);
            Var w = cx.constant(cx.full(Shape.of(6), 1));
            var e = assertThrows(IllegalArgumentException.class,
                    () -> NormRope.apply(cx.constant(cx.zeros(Shape.of(2, 4, 10))), w, EPS, table, 2));
            assertTrue(e.getMessage().contains("normRope") && e.getMessage().contains("[2, 4, 10]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> NormRope.apply(cx.constant(cx.zeros(Shape.of(2, 4, 12))), cx.constant(cx.zeros(Shape.of(12))), EPS, table, 2));
            assertTrue(e.getMessage().contains("weight [12]"), e.getMessage());
        }
    }

    /** The composition NormRope replaces: RMSNorm on the per-head view, then RoPE. */
    private static Var twoOps(Var x, Var w, int l, int h, int dh) {
        Shape xs = x.shape();
        Var normed = RmsNorm.apply(Shapes.reshape(x, Shape.of(xs.dim(0), l, h, dh)), w, EPS);
        return Rope.apply(Shapes.reshape(normed, xs), RopeTable.of(x.backend(), l, dh), h);
    }

    /**
     * On the vector path: {@code op} with a tangent on x (y, ty, dx, dw) and without (y, dx, dw), each with a gradient
     * accumulated into dw's buffer and, when {@code residual}, into x's cotangent from {@code x + op(x)}.
     */
    private static float[][] run(BiFunction<Var, Var, Var> op, boolean residual, int b, int l, int h, int dh, float[] w) {
        SplittableRandom r = new SplittableRandom(17);
        Shape xs = Shape.of(b, l, h * dh);
        float[] x = draw(r, (int) xs.size()), tx = draw(r, x.length), g = draw(r, x.length);
        float[][] out = new float[7][];
        for (boolean dual : new boolean[]{true, false})
            try (Context cx = Context.open(Backends.SIMD, Context.Tape.RECORD)) {
                Var xv = dual ? cx.dualInput(Host.upload(cx, x, xs), Host.upload(cx, tx, xs)) : cx.input(Host.upload(cx, x, xs));
                Tensor dwBuffer = Host.upload(cx, w, Shape.of(dh)); // a parameter's buffer, holding a gradient already
                Var wv = cx.parameter(Host.upload(cx, w, Shape.of(dh)), () -> dwBuffer);
                Var y = op.apply(xv, wv);
                if (residual) y = Arithmetic.add(xv, y);
                Autodiff.backward(y, Host.upload(cx, g, xs));
                float[] yv = Host.floats(y.value()), dx = Host.floats(xv.grad()), dw = Host.floats(dwBuffer);
                if (dual) {
                    out[0] = yv;
                    out[1] = Host.floats(y.tangent());
                    out[2] = dx;
                    out[3] = dw;
                } else {
                    out[4] = yv;
                    out[5] = dx;
                    out[6] = dw;
                }
            }
        return out;
    }

    private static Var constant(Var like, float[] w) {
        Context cx = Var.contextOf(like);
        Tensor t = Host.upload(cx, w, Shape.of(w.length));
        return cx.constant(t);
    }

    private static float[] weight(int dh) {
        float[] w = new float[dh];
        SplittableRandom r = new SplittableRandom(dh);
        for (int i = 0; i < dh; i++) w[i] = (float) (0.5 + r.nextDouble());
        return w;
    }

    private static float[] draw(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) OpCheck.gaussian(r);
        return a;
    }

    /** RMSNorm of every {@code dh}-float row in float64. */
    private static double[] perHeadReference(double[] x, float[] w, int rows, int dh) {
        double[] wd = new double[dh];
        for (int i = 0; i < dh; i++) wd[i] = w[i];
        return RmsNormTest.reference(x, wd, rows, dh, EPS);
    }
}
