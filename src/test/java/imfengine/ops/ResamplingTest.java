package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Window2d;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nearest ×2 upsampling and max / average pooling against float64 loops on every backend. */
class ResamplingTest {
    private static final int[][] IMAGES = {{2, 3, 1, 1}, {1, 5, 7, 8}, {2, 1, 9, 3}, {1, 32, 8, 9}, {2, 3, 8, 8}};
    /** size, stride, padding: the VAE-free 2×2 pools and Inception-v3's 3×3 ones, and a whole-image window. */
    private static final int[][] WINDOWS = {{2, 2, 0}, {3, 2, 0}, {3, 1, 1}, {3, 2, 1}, {1, 1, 0}, {7, 1, 0}};

    @Test void upsampleMatchesReference() {
        for (int[] t : IMAGES) {
            int n = t[0], c = t[1], h = t[2], w = t[3];
            OpCheck.op("upsampleNearest2x " + java.util.Arrays.toString(t)).input(n, c, h, w).forwardOnly()
                    .engine(in -> Resampling.upsampleNearest2x(in[0]))
                    .reference(in -> ImageRef.upsample2x(in[0], n * c, h, w)).check();
        }
    }

    @Test void poolsMatchReference() {
        int checked = 0;
        for (int[] t : IMAGES)
            for (int[] win : WINDOWS) {
                int n = t[0], c = t[1], h = t[2], w = t[3], k = win[0], s = win[1], p = win[2];
                if (h + 2 * p < k || w + 2 * p < k) continue; // the window does not fit (see badWindows)
                Window2d wd = new Window2d(k, s, p);
                String at = java.util.Arrays.toString(t) + " window " + java.util.Arrays.toString(win);
                OpCheck.op("maxPool " + at).input(n, c, h, w).forwardOnly().engine(in -> Resampling.maxPool(in[0], wd))
                        .reference(in -> ImageRef.pool(true, false, in[0], n * c, h, w, k, s, p)).check();
                for (boolean include : new boolean[]{true, false})
                    OpCheck.op("avgPool " + at + (include ? " counting padding" : "")).input(n, c, h, w).forwardOnly()
                            .engine(in -> Resampling.avgPool(in[0], wd, include))
                            .reference(in -> ImageRef.pool(false, include, in[0], n * c, h, w, k, s, p)).check();
                checked++;
            }
        assertTrue(checked >= 20, "pool cases checked: " + checked);
    }

    @Test void badWindowsFailWithOneLine() {
        try (Context cx = Context.open(Backends.SCALAR, Context.Tape.OFF)) {
            Var x = cx.constant(cx.zeros(Shape.of(1, 2, 2, 2)));
            var e = assertThrows(IllegalArgumentException.class, () -> Resampling.maxPool(x, new Window2d(3, 2, 0)));
            assertEquals("pool2d: a 3×3 window with padding (0, 0) does not fit an image of 2×2", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Resampling.maxPool(x, new Window2d(2, 1, 2)));
            assertEquals("pool2d: padding 2 is more than half the window 2 (a window could lie wholly in the padding)", e.getMessage());
            Var flat = cx.constant(cx.zeros(Shape.of(2, 2)));
            e = assertThrows(IllegalArgumentException.class, () -> Resampling.upsampleNearest2x(flat));
            assertEquals("upsampleNearest2x: x [2, 2] is not an NCHW image batch [N, C, H, W]", e.getMessage());
        }
    }
}
