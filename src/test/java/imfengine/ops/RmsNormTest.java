package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.FusedCheck;
import imfengine.testing.OpCheck;
import imfengine.testing.Ref;
import imfengine.testing.Tol;
import imfengine.testing.Unfused;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fused RMSNorm: against float64, against its unfused composition, and the dw accumulation contract. */
class RmsNormTest {
    private static final float EPS = 1e-6f;

    @Test void matchesReferenceAndDerivatives() {
        check(5, 37);
        check(3, 19);
        check(4, 96);
        check(2, 32);
        OpCheck.op("rmsNorm [2,3,19]").input(2, 3, 19).input(19)
                .engine(in -> RmsNorm.apply(in[0], in[1], EPS)).reference(in -> reference(in[0], in[1], 6, 19, EPS)).check();
    }

    @Test void fusedMatchesUnfused() {
        for (int[] s : new int[][]{{5, 37}, {3, 19}, {4, 96}})
            FusedCheck.op("rmsNorm " + s[0] + "x" + s[1]).input(s[0], s[1]).input(s[1])
                    .fused(in -> RmsNorm.apply(in[0], in[1], EPS)).unfused(in -> Unfused.rmsNorm(in[0], in[1], EPS)).check();
        FusedCheck.op("rmsNorm [2,3,19]").input(2, 3, 19).input(19)
                .fused(in -> RmsNorm.apply(in[0], in[1], EPS)).unfused(in -> Unfused.rmsNorm(in[0], in[1], EPS)).check();
    }

    /**
     * A residual stream as in a block, {@code out = silu(z + rmsNorm(z)·v)} with {@code z = silu(x)}: z's cotangent
     * from the residual is held by z alone when the norm's rule runs, so the norm adds its dx into it.
     */
    @Test void residualCotangentTakesTheNormsShare() {
        int rows = 6, n = 19;
        OpCheck.op("silu(z + rmsNorm(z)·v)").input(2, 3, n).input(n).input(2, 3, n)
                .engine(in -> {
                    Var z = Activations.silu(in[0]);
                    return Activations.silu(Arithmetic.add(z, Arithmetic.mul(RmsNorm.apply(z, in[1], EPS), in[2])));
                })
                .reference(in -> {
                    double[] z = new double[in[0].length];
                    for (int i = 0; i < z.length; i++) z[i] = silu(in[0][i]);
                    double[] y = reference(z, in[1], rows, n, EPS);
                    for (int i = 0; i < y.length; i++) y[i] = silu(z[i] + y[i] * in[2][i]);
                    return y;
                }).check();
    }

    /** Adding into dx gives the bits of the overwritten dx added to what dx held, on every CPU path. */
    @Test void addingIntoDxEqualsAnAddAfterwards() {
        int rows = 300, n = 101; // several row chunks and a vector tail
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[rows * n], w = new float[n], dy = new float[rows * n], held = new float[rows * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) OpCheck.gaussian(r);
            dy[i] = (float) OpCheck.gaussian(r);
            held[i] = (float) OpCheck.gaussian(r);
        }
        for (int j = 0; j < n; j++) w[j] = (float) OpCheck.gaussian(r);
        for (boolean simd : new boolean[]{false, true}) {
            CpuBackend be = new CpuBackend(2, simd);
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                Shape s = Shape.of(rows, n);
                Tensor xt = Host.upload(cx, x, s), wt = Host.upload(cx, w, Shape.of(n)), dyt = Host.upload(cx, dy, s);
                Tensor y = cx.empty(s), rstd = cx.empty(Shape.of(rows)), fresh = cx.empty(s), into = Host.upload(cx, held, s);
                be.rmsNorm(xt, wt, EPS, y, rstd);
                be.rmsNormBackward(xt, wt, rstd, dyt, fresh, false, null);
                be.rmsNormBackward(xt, wt, rstd, dyt, into, true, null);
                float[] want = Host.floats(fresh), got = Host.floats(into);
                for (int i = 0; i < want.length; i++) want[i] = held[i] + want[i];
                assertArrayEquals(want, got, "dx added into a held cotangent (simd=" + simd + ")");
            }
        }
    }

    private static double silu(double v) { return v / (1 + Math.exp(-v)); }

    /** dw accumulates ({@code +=}), and its row-chunk partials give the same bits for any thread count. */
    @Test void weightGradientAccumulatesDeterministically() {
        int rows = 2000, n = 37; // rows·n spans several dw partials
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[rows * n], w = new float[n], dy = new float[rows * n];
        for (int i = 0; i < x.length; i++) { x[i] = (float) OpCheck.gaussian(r); dy[i] = (float) OpCheck.gaussian(r); }
        for (int j = 0; j < n; j++) w[j] = (float) OpCheck.gaussian(r);
        double[] want = new double[n];
        for (int row = 0; row < rows; row++) {
            double ss = 0;
            for (int j = 0; j < n; j++) ss += (double) x[row * n + j] * x[row * n + j];
            double rs = 1 / Math.sqrt(ss / n + EPS);
            for (int j = 0; j < n; j++) want[j] += 2 * dy[row * n + j] * x[row * n + j] * rs; // called twice below
        }
        for (boolean simd : new boolean[]{false, true}) {
            float[] one = dwTwice(new CpuBackend(1, simd), x, w, dy, rows, n);
            float[] three = dwTwice(new CpuBackend(3, simd), x, w, dy, rows, n);
            assertArrayEquals(one, three, "dw depends on the thread count (simd=" + simd + ")");
            double e = Ref.relErr(one, want);
            assertTrue(e <= Tol.FORWARD * 10, "dw accumulated twice vs float64 (simd=" + simd + "): rel err " + e); // 2000-row float32 sums
        }
    }

    @Test void badWeightNamesOpAndShapes() {
        var be = Backends.SIMD;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Var x = cx.constant(cx.zeros(Shape.of(3, 8))), w = cx.constant(cx.zeros(Shape.of(7)));
            var e = assertThrows(IllegalArgumentException.class, () -> RmsNorm.apply(x, w, EPS));
            assertTrue(e.getMessage().contains("rmsNorm") && e.getMessage().contains("[7]") && e.getMessage().contains("[3, 8]"), e.getMessage());
        }
    }

    private static float[] dwTwice(CpuBackend be, float[] x, float[] w, float[] dy, int rows, int n) {
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Shape s = Shape.of(rows, n);
            Tensor xt = Host.upload(cx, x, s), wt = Host.upload(cx, w, Shape.of(n)), dyt = Host.upload(cx, dy, s);
            Tensor y = cx.empty(s), rstd = cx.empty(Shape.of(rows)), dx = cx.empty(s), dw = cx.zeros(Shape.of(n));
            be.rmsNorm(xt, wt, EPS, y, rstd);
            be.rmsNormBackward(xt, wt, rstd, dyt, dx, false, dw);
            be.rmsNormBackward(xt, wt, rstd, dyt, dx, false, dw);
            return Host.floats(dw);
        }
    }

    private static void check(int rows, int n) {
        OpCheck.op("rmsNorm " + rows + "x" + n).input(rows, n).input(n)
                .engine(in -> RmsNorm.apply(in[0], in[1], EPS)).reference(in -> reference(in[0], in[1], rows, n, EPS)).check();
    }

    static double[] reference(double[] x, double[] w, int rows, int n, double eps) {
        double[] y = new double[rows * n];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int j = 0; j < n; j++) ss += x[r * n + j] * x[r * n + j];
            double rs = 1 / Math.sqrt(ss / n + eps);
            for (int j = 0; j < n; j++) y[r * n + j] = x[r * n + j] * rs * w[j];
        }
        return y;
    }
}
