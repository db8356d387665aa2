package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GroupNorm against a float64 reference on every backend, including the SD-VAE's 32 groups of 32 and 64 channels. */
class GroupNormTest {
    private static final float EPS = 1e-6f;

    /** n, c, h, w, groups. */
    private static final int[][] CASES = {
            {2, 32, 3, 3, 32}, {1, 64, 7, 9, 32}, {2, 64, 8, 8, 32}, {2, 6, 8, 8, 3}, {1, 5, 9, 7, 1}, {2, 64, 1, 1, 32},
            {1, 3, 1, 1, 3}, {2, 32, 9, 8, 32}, {1, 12, 7, 3, 4}};

    @Test void matchesReferenceOnEveryBackend() {
        for (int[] t : CASES) check(t, OpCheck.NORMAL);
    }

    /** Values far from zero: the variance is taken around the mean, so it does not cancel away. */
    @Test void largeMeanDoesNotCancel() {
        check(new int[]{2, 32, 8, 8, 32}, r -> (float) (100 + OpCheck.gaussian(r)));
    }

    private static void check(int[] t, OpCheck.Gen gen) {
        int n = t[0], c = t[1], h = t[2], w = t[3], g = t[4];
        OpCheck.op("groupNorm " + java.util.Arrays.toString(t)).input(gen, n, c, h, w).input(c).input(c).forwardOnly()
                .engine(in -> GroupNorm.apply(in[0], in[1], in[2], g, EPS))
                .reference(in -> ImageRef.groupNorm(in[0], in[1], in[2], n, c, h * w, g, EPS))
                .check();
    }

    @Test void badShapesAndTapesFailWithOneLine() {
        try (Context cx = Context.open(Backends.SCALAR, Context.Tape.RECORD)) {
            Var x = cx.constant(cx.zeros(Shape.of(1, 6, 2, 2))), p = cx.constant(cx.zeros(Shape.of(6)));
            var e = assertThrows(IllegalArgumentException.class, () -> GroupNorm.apply(x, p, p, 4, EPS));
            assertEquals("groupNorm: 4 groups do not divide 6 channels", e.getMessage());
            Var q = cx.constant(cx.zeros(Shape.of(5)));
            e = assertThrows(IllegalArgumentException.class, () -> GroupNorm.apply(x, q, p, 3, EPS));
            assertEquals("groupNorm: affine parameter [5] should be [6]", e.getMessage());
            Var leaf = cx.input(cx.zeros(Shape.of(6)));
            var u = assertThrows(UnsupportedOperationException.class, () -> GroupNorm.apply(x, leaf, p, 3, EPS));
            assertTrue(u.getMessage().startsWith("group_norm is forward only: it has no VJP"), u.getMessage());
        }
    }
}
