package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.FusedCheck;
import imfengine.testing.OpCheck;
import imfengine.testing.Ref;
import imfengine.testing.Unfused;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fused RoPE (adjacent pairs, base 10000, positions 0..L−1): float64, unfused composition, inverse. */
class RopeTest {

    @Test void matchesReferenceAndDerivatives() {
        check(2, 5, 2, 6);   // the small odd case: Dh = 6 is all scalar tail
        check(1, 7, 3, 10);
        check(2, 4, 3, 32);  // heads·Dh = 96: full vectors
    }

    @Test void fusedMatchesUnfused() {
        for (int[] c : new int[][]{{2, 5, 2, 6}, {2, 4, 3, 32}}) {
            int b = c[0], l = c[1], h = c[2], dh = c[3];
            FusedCheck.op("rope B=" + b + " L=" + l + " heads=" + h + " Dh=" + dh).input(b, l, h * dh)
                    .fused(in -> Rope.apply(in[0], RopeTable.of(in[0].backend(), l, dh), h))
                    .unfused(in -> Unfused.rope(in[0], RopeTable.of(in[0].backend(), l, dh), h)).check();
        }
    }

    /** Known values: position 0 is untouched; at position 1 pair 0 turns by exactly 1 radian. */
    @Test void knownRotationAndInverse() {
        for (Backend be : Backends.BOTH)
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                int l = 3, dh = 4;
                float[] x = new float[l * dh];
                for (int p = 0; p < l; p++) { x[p * dh] = 1; x[p * dh + 2] = 1; } // (1, 0) in both pairs
                Tensor xt = Host.upload(cx, x, Shape.of(1, l, dh));
                RopeTable table = RopeTable.of(be, l, dh);
                float[] y = Host.floats(Rope.apply(cx.constant(xt), table, 1).value());
                assertEquals(1f, y[0], 0f);
                assertEquals(0f, y[1], 0f);
                assertEquals(Math.cos(1), y[dh], 1e-7);
                assertEquals(Math.sin(1), y[dh + 1], 1e-7);
                assertEquals(Math.cos(2 * 0.01), y[2 * dh + 2], 1e-7); // pair 1: 10000^(−2/4) = 0.01 rad per position
                assertEquals(Math.sin(2 * 0.01), y[2 * dh + 3], 1e-7);
                Tensor back = cx.empty(xt.shape());
                be.rope(Host.upload(cx, y, xt.shape()), table.cos(), table.sin(), 1, true, back);
                assertTrue(Ref.relErr(Host.floats(back), x) <= 1e-6, "inverse rotation undoes the rotation on " + be.name());
            }
    }

    @Test void badShapesNameOpAndShapes() {
        var be = Backends.SIMD;
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            RopeTable table = RopeTable.of(be, 5, 6);
            var e = assertThrows(IllegalArgumentException.class, () -> Rope.apply(cx.constant(cx.zeros(Shape.of(2, 4, 12))), table, 2));
            assertTrue(e.getMessage().contains("rope") && e.getMessage().contains("[2, 4, 12]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RopeTable.of(be, 5, 7));
            assertTrue(e.getMessage().contains("rope") && e.getMessage().contains("7"), e.getMessage());
        }
    }

    private static void check(int b, int l, int h, int dh) {
        OpCheck.op("rope B=" + b + " L=" + l + " heads=" + h + " Dh=" + dh).input(b, l, h * dh)
                .engine(in -> Rope.apply(in[0], RopeTable.of(in[0].backend(), l, dh), h))
                .reference(in -> reference(in[0], b, l, h, dh)).check();
    }

    static double[] reference(double[] x, int b, int l, int h, int dh) {
        double[] y = new double[x.length];
        int width = h * dh;
        for (int n = 0; n < b; n++) for (int p = 0; p < l; p++) for (int head = 0; head < h; head++)
            for (int i = 0; i < dh / 2; i++) {
                double theta = p * Math.pow(10000.0, -2.0 * i / dh);
                int k = (n * l + p) * width + head * dh + 2 * i;
                y[k] = x[k] * Math.cos(theta) - x[k + 1] * Math.sin(theta);
                y[k + 1] = x[k] * Math.sin(theta) + x[k + 1] * Math.cos(theta);
            }
        return y;
    }
}
