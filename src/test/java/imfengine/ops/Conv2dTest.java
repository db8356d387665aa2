package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import imfengine.vision.BatchNormFold;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conv2d (im2col + GEMM) against a float64 direct-loop convolution on every backend; BatchNorm folding; its refusals. */
class Conv2dTest {
    /** n, c, cout, h, w, k, stride, padding: odd sizes, 1×1 images, both kernels and strides, padding 0 and 1. */
    private static final int[][] CASES = {
            {1, 1, 1, 1, 1, 3, 1, 1}, {2, 3, 5, 7, 9, 3, 1, 1}, {2, 3, 8, 9, 7, 3, 2, 1}, {1, 5, 3, 8, 8, 3, 2, 0},
            {1, 5, 1, 3, 3, 3, 1, 0}, {2, 32, 64, 3, 3, 3, 1, 1}, {1, 64, 32, 8, 9, 1, 1, 0}, {2, 5, 3, 9, 8, 1, 2, 0},
            {1, 64, 5, 7, 7, 3, 1, 1}, {2, 1, 3, 1, 1, 1, 1, 0}};

    @Test void matchesDirectConvolutionOnEveryBackend() {
        for (int[] t : CASES) {
            check(t, true, Conv2d.COLUMN_BUDGET);
            if (t[6] == 1) check(t, false, Conv2d.COLUMN_BUDGET); // and without bias
        }
    }

    /** n, c, cout, h, w, kh, kw, stride, padY, padX: Inception's 1×7 / 7×1 / 1×3 / 3×1 kernels, and odd mixes. */
    private static final int[][] RECTANGULAR = {
            {2, 3, 4, 9, 8, 1, 7, 1, 0, 3}, {1, 4, 3, 8, 9, 7, 1, 1, 3, 0}, {2, 5, 3, 7, 6, 1, 3, 1, 0, 1},
            {1, 3, 5, 6, 7, 3, 1, 1, 1, 0}, {2, 3, 2, 9, 11, 2, 5, 2, 1, 2}, {1, 2, 3, 5, 3, 5, 1, 1, 0, 2}};

    @Test void rectangularKernelsMatchDirectConvolution() {
        for (int[] t : RECTANGULAR) {
            int n = t[0], c = t[1], cout = t[2], h = t[3], w = t[4], kh = t[5], kw = t[6], s = t[7], py = t[8], px = t[9];
            OpCheck.op("conv2d " + java.util.Arrays.toString(t)).input(n, c, h, w).input(cout, c, kh, kw).input(cout).forwardOnly()
                    .engine(in -> Conv2d.apply(in[0], in[1], in[2], s, py, px))
                    .reference(in -> ImageRef.conv2d(in[0], in[1], in[2], n, c, h, w, cout, kh, kw, s, py, px))
                    .check();
        }
    }

    /** Columns cut to one image per GEMM: the chunks must land on their own images. */
    @Test void columnChunksCoverTheBatch() {
        check(new int[]{3, 3, 4, 7, 5, 3, 1, 1}, true, 1);
        check(new int[]{3, 2, 4, 9, 9, 3, 2, 0}, true, 1);
    }

    private static void check(int[] t, boolean bias, long budget) {
        int n = t[0], c = t[1], cout = t[2], h = t[3], w = t[4], k = t[5], s = t[6], p = t[7];
        OpCheck op = OpCheck.op("conv2d " + java.util.Arrays.toString(t) + (bias ? "" : " without bias"))
                .input(n, c, h, w).input(cout, c, k, k);
        if (bias) op.input(cout);
        op.forwardOnly()
                .engine(in -> Conv2d.apply(in[0], in[1], bias ? in[2] : null, s, p, budget))
                .reference(in -> ImageRef.conv2d(in[0], in[1], bias ? in[2] : null, n, c, h, w, cout, k, s, p))
                .check();
    }

    /** conv → BatchNorm (eval) in float64 equals the engine's convolution with the folded weights. */
    @Test void foldedBatchNormEqualsConvThenBatchNorm() {
        int n = 2, c = 3, cout = 5, h = 7, w = 8, k = 3;
        double eps = 1e-3; // Inception-v3's
        SplittableRandom r = new SplittableRandom(11);
        float[] wt = draw(r, cout * c * k * k, 0), b = draw(r, cout, 0), gamma = draw(r, cout, 0), beta = draw(r, cout, 0),
                mean = draw(r, cout, 0), var = draw(r, cout, 1.5);
        for (float[] bias : new float[][]{b, null}) {
            BatchNormFold.Conv folded = BatchNormFold.fold(wt, bias, gamma, beta, mean, var, eps);
            OpCheck.op("conv2d with folded BatchNorm" + (bias == null ? " (no conv bias)" : "")).input(n, c, h, w).forwardOnly()
                    .engine(in -> {
                        Context cx = in[0].context();
                        return Conv2d.apply(in[0], cx.constant(Host.upload(cx, folded.weight(), Shape.of(cout, c, k, k))),
                                cx.constant(Host.upload(cx, folded.bias(), Shape.of(cout))), 1, 1);
                    })
                    .reference(in -> {
                        double[] y = ImageRef.conv2d(in[0], d(wt), bias == null ? null : d(bias), n, c, h, w, cout, k, 1, 1);
                        int plane = h * w;
                        for (int i = 0; i < y.length; i++) {
                            int o = (i / plane) % cout;
                            y[i] = (y[i] - mean[o]) / Math.sqrt(var[o] + eps) * gamma[o] + beta[o];
                        }
                        return y;
                    }).check();
        }
    }

    @Test void badShapesFailWithOneLine() {
        try (Context cx = Context.open(Backends.SCALAR, Context.Tape.OFF)) {
            Var x = cx.constant(cx.zeros(Shape.of(1, 4, 5, 5))), w = cx.constant(cx.zeros(Shape.of(8, 3, 3, 3)));
            var e = assertThrows(IllegalArgumentException.class, () -> Conv2d.apply(x, w, null, 1, 1));
            assertEquals("conv2d: weight [8, 3, 3, 3] needs 3 input channels, got 4", e.getMessage());
            Var w4 = cx.constant(cx.zeros(Shape.of(8, 4, 3, 3)));
            e = assertThrows(IllegalArgumentException.class, () -> Conv2d.apply(x, w4, cx.constant(cx.zeros(Shape.of(4))), 1, 1));
            assertEquals("conv2d: bias [4] should be [8] for weight [8, 4, 3, 3]", e.getMessage());
            Var small = cx.constant(cx.zeros(Shape.of(1, 4, 2, 2)));
            e = assertThrows(IllegalArgumentException.class, () -> Conv2d.apply(small, w4, null, 1, 0));
            assertEquals("conv2d: a 3×3 window with padding (0, 0) does not fit an image of 2×2", e.getMessage());
        }
    }

    @Test void refusesTangentsAndGradients() {
        try (Context cx = Context.open(Backends.SCALAR, Context.Tape.RECORD)) {
            Var w = cx.constant(cx.zeros(Shape.of(2, 1, 1, 1)));
            Var dual = cx.dual(cx.zeros(Shape.of(1, 1, 2, 2)), cx.zeros(Shape.of(1, 1, 2, 2)));
            var e = assertThrows(UnsupportedOperationException.class, () -> Conv2d.apply(dual, w, null, 1, 0));
            assertTrue(e.getMessage().startsWith("conv2d is forward only: it has no JVP"), e.getMessage());
            Var leaf = cx.input(cx.zeros(Shape.of(1, 1, 2, 2)));
            e = assertThrows(UnsupportedOperationException.class, () -> Conv2d.apply(leaf, w, null, 1, 0));
            assertTrue(e.getMessage().startsWith("conv2d is forward only: it has no VJP"), e.getMessage());
            assertEquals(4 * 2, Conv2d.apply(leaf.detach(), w, null, 1, 0).value().size()); // detached: fine on a tape
        }
    }

    private static float[] draw(SplittableRandom r, int n, double positiveFrom) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = positiveFrom > 0 ? (float) (0.2 + positiveFrom * r.nextDouble()) : (float) OpCheck.gaussian(r);
        return a;
    }

    private static double[] d(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }
}
