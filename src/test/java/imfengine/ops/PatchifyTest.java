package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Var;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Patchify {@code n (h p) (w q) c -> n (h w) (p q c)} and its inverse. */
class PatchifyTest {

    @Test void layoutAndDerivatives() {
        OpCheck.op("patchify 2x6x4x3 p2").input(2, 6, 4, 3).engine(in -> Patchify.patchify(in[0], 2))
                .reference(in -> reference(in[0], 2, 6, 4, 3, 2)).check();
        OpCheck.op("unpatchify 2x6x4x3 p2").input(2, 6, 12).engine(in -> Patchify.unpatchify(in[0], 2, 6, 4, 3))
                .reference(in -> inverseReference(in[0], 2, 6, 4, 3, 2)).check();
    }

    /** 4×4 single-channel image 0..15, p = 2: tokens are the 2×2 blocks in raster order. */
    @Test void knownSmallCase() {
        for (var be : Backends.BOTH)
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                float[] img = new float[16];
                for (int i = 0; i < 16; i++) img[i] = i;
                Var x = cx.constant(Host.upload(cx, img, Shape.of(1, 4, 4, 1)));
                Var t = Patchify.patchify(x, 2);
                assertTrue(t.shape().equals(Shape.of(1, 4, 4)), "shape " + t.shape());
                assertArrayEquals(new float[]{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}, Host.floats(t.value()));
            }
    }

    @Test void unpatchifyInvertsPatchify() {
        for (var be : Backends.BOTH)
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                int n = 2, h = 8, w = 6, c = 4, p = 2;
                float[] img = new float[n * h * w * c];
                for (int i = 0; i < img.length; i++) img[i] = i * 0.5f - 7;
                Var x = cx.constant(Host.upload(cx, img, Shape.of(n, h, w, c)));
                Var t = Patchify.patchify(x, p);
                assertTrue(t.shape().equals(Shape.of(n, (h / p) * (w / p), p * p * c)), "shape " + t.shape());
                assertArrayEquals(img, Host.floats(Patchify.unpatchify(t, p, h, w, c).value()));
            }
    }

    @Test void indivisibleSizesNameOpAndShape() {
        var be = Backends.SIMD;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Var x = cx.constant(cx.zeros(Shape.of(1, 5, 4, 3)));
            var e = assertThrows(IllegalArgumentException.class, () -> Patchify.patchify(x, 2));
            assertTrue(e.getMessage().contains("patchify") && e.getMessage().contains("[1, 5, 4, 3]"), e.getMessage());
            Var t = cx.constant(cx.zeros(Shape.of(1, 4, 12)));
            e = assertThrows(IllegalArgumentException.class, () -> Patchify.unpatchify(t, 2, 4, 5, 3));
            assertTrue(e.getMessage().contains("unpatchify") && e.getMessage().contains("[1, 4, 12]"), e.getMessage());
        }
    }

    /** y[n, (i, j), (a, b, ch)] = x[n, i·p + a, j·p + b, ch]. */
    static double[] reference(double[] x, int n, int hh, int ww, int c, int p) {
        double[] y = new double[x.length];
        int h = hh / p, w = ww / p, o = 0;
        for (int b = 0; b < n; b++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++)
            for (int a = 0; a < p; a++) for (int q = 0; q < p; q++) for (int ch = 0; ch < c; ch++)
                y[o++] = x[((b * hh + i * p + a) * ww + j * p + q) * c + ch];
        return y;
    }

    static double[] inverseReference(double[] t, int n, int hh, int ww, int c, int p) {
        double[] y = new double[t.length];
        int h = hh / p, w = ww / p, o = 0;
        for (int b = 0; b < n; b++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++)
            for (int a = 0; a < p; a++) for (int q = 0; q < p; q++) for (int ch = 0; ch < c; ch++)
                y[((b * hh + i * p + a) * ww + j * p + q) * c + ch] = t[o++];
        return y;
    }
}
