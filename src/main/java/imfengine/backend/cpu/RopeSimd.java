package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API rotation of one head for {@link CpuRope}: {@code y = x·c + swapPairs(x)·s} with the
 * interleaved tables of {@link CpuRope#interleaved}. Lane counts are even, so pairs never straddle
 * a vector; the tail (when Dh is not a multiple of the lane count) runs the same formula in scalar.
 */
final class RopeSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(S, i -> i ^ 1);

    private RopeSimd() {}

    /** One head of {@code len = Dh} channels at {@code x[off ...]}, tables at {@code c[tab ...]}. */
    static void rotate(float[] x, float[] c, float[] s, int tab, float[] out, int off, int len) {
        rotate(x, off, c, s, tab, out, off, len);
    }

    /** {@link #rotate} reading the head at {@code x[xo ...]} and writing it at {@code out[oo ...]}. */
    static void rotate(float[] x, int xo, float[] c, float[] s, int tab, float[] out, int oo, int len) {
        int m = 0, end = S.loopBound(len);
        for (; m < end; m += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + m);
            FloatVector cv = FloatVector.fromArray(S, c, tab + m), sv = FloatVector.fromArray(S, s, tab + m);
            xv.rearrange(SWAP_PAIRS).mul(sv).add(xv.mul(cv)).intoArray(out, oo + m);
        }
        for (; m < len; m += 2) {
            float x0 = x[xo + m], x1 = x[xo + m + 1];
            out[oo + m] = x0 * c[tab + m] + x1 * s[tab + m];
            out[oo + m + 1] = x1 * c[tab + m + 1] + x0 * s[tab + m + 1];
        }
    }

    static void rotateDual(float[] x, float[] tx, float[] c, float[] s, int tab, float[] y, float[] ty, int off, int len) {
        int m = 0, end = S.loopBound(len);
        for (; m < end; m += S.length()) {
            FloatVector cv = FloatVector.fromArray(S, c, tab + m), sv = FloatVector.fromArray(S, s, tab + m);
            FloatVector xv = FloatVector.fromArray(S, x, off + m), tv = FloatVector.fromArray(S, tx, off + m);
            xv.rearrange(SWAP_PAIRS).mul(sv).add(xv.mul(cv)).intoArray(y, off + m);
            tv.rearrange(SWAP_PAIRS).mul(sv).add(tv.mul(cv)).intoArray(ty, off + m);
        }
        for (; m < len; m += 2) {
            float c0 = c[tab + m], s0 = s[tab + m], c1 = c[tab + m + 1], s1 = s[tab + m + 1];
            float x0 = x[off + m], x1 = x[off + m + 1], t0 = tx[off + m], t1 = tx[off + m + 1];
            y[off + m] = x0 * c0 + x1 * s0;
            y[off + m + 1] = x1 * c1 + x0 * s1;
            ty[off + m] = t0 * c0 + t1 * s0;
            ty[off + m + 1] = t1 * c1 + t0 * s1;
        }
    }
}
