package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 16×16 float transpose in registers, for 16-lane vectors (AVX-512). {@link AttentionSimd}'s key packing
 * turns 16 keys × 16 head dimensions into 16 vectors of one dimension across the keys (the scalar walk it
 * replaces took ~1.1 µs per xs head, 69 keys × 32), and {@link GemmPacked} packs a transposed B's panels
 * with it (16 columns × 16 steps of k at a time).
 * <p>Four stages swap the off-diagonal blocks of 8, 4, 2 and 1 lanes: at stage {@code b}, rows {@code i} and
 * {@code i + b} ({@code i & b == 0}) become {@code lo(i, i+b)} and {@code hi(i, i+b)}, where {@code lo} keeps
 * the lanes {@code l} with {@code l & b == 0} of row {@code i} and fills the others from row {@code i + b}'s
 * lanes {@code l − b}, and {@code hi} the reverse. Each stage is 16 two-vector shuffles; only moves, so the
 * bits are those of the scalar copy.
 */
final class Transpose16 {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Whether this machine's vectors have 16 lanes (else the callers copy with scalars). */
    static final boolean AVAILABLE = S.length() == 16;
    private static final VectorShuffle<Float> LO8 = pairing(8, false), HI8 = pairing(8, true), LO4 = pairing(4, false),
            HI4 = pairing(4, true), LO2 = pairing(2, false), HI2 = pairing(2, true), LO1 = pairing(1, false), HI1 = pairing(1, true);

    private Transpose16() {}

    /** Stage {@code b}'s shuffle of {@code row.rearrange(s, partner)}: indices from {@code S.length()} up take the partner's lanes. */
    private static VectorShuffle<Float> pairing(int b, boolean high) {
        if (!AVAILABLE) return null;
        int[] lanes = new int[16];
        for (int l = 0; l < 16; l++)
            lanes[l] = (l & b) == 0 ? (high ? l + b : l) : (high ? 16 + l : 16 + l - b);
        return VectorShuffle.fromArray(S, lanes, 0);
    }

    /**
     * {@code out[dst + i·ow + j] = x[src + j·w + i]} for {@code i, j < 16}, with rows {@code j ≥ rows} read as zeros
     * (not read at all): row {@code j} of the block is 16 floats at {@code src + j·w}, column {@code i} 16 floats at
     * {@code dst + i·ow}.
     */
    static void block(float[] x, int src, int w, int rows, float[] out, int dst, int ow) {
        FloatVector z = FloatVector.zero(S);
        FloatVector r0 = rows > 0 ? FloatVector.fromArray(S, x, src) : z, r1 = rows > 1 ? FloatVector.fromArray(S, x, src + w) : z;
        FloatVector r2 = rows > 2 ? FloatVector.fromArray(S, x, src + 2 * w) : z, r3 = rows > 3 ? FloatVector.fromArray(S, x, src + 3 * w) : z;
        FloatVector r4 = rows > 4 ? FloatVector.fromArray(S, x, src + 4 * w) : z, r5 = rows > 5 ? FloatVector.fromArray(S, x, src + 5 * w) : z;
        FloatVector r6 = rows > 6 ? FloatVector.fromArray(S, x, src + 6 * w) : z, r7 = rows > 7 ? FloatVector.fromArray(S, x, src + 7 * w) : z;
        FloatVector r8 = rows > 8 ? FloatVector.fromArray(S, x, src + 8 * w) : z, r9 = rows > 9 ? FloatVector.fromArray(S, x, src + 9 * w) : z;
        FloatVector r10 = rows > 10 ? FloatVector.fromArray(S, x, src + 10 * w) : z, r11 = rows > 11 ? FloatVector.fromArray(S, x, src + 11 * w) : z;
        FloatVector r12 = rows > 12 ? FloatVector.fromArray(S, x, src + 12 * w) : z, r13 = rows > 13 ? FloatVector.fromArray(S, x, src + 13 * w) : z;
        FloatVector r14 = rows > 14 ? FloatVector.fromArray(S, x, src + 14 * w) : z, r15 = rows > 15 ? FloatVector.fromArray(S, x, src + 15 * w) : z;
        // b = 8: rows (i, i + 8)
        FloatVector a0 = r0.rearrange(LO8, r8), a8 = r0.rearrange(HI8, r8), a1 = r1.rearrange(LO8, r9), a9 = r1.rearrange(HI8, r9);
        FloatVector a2 = r2.rearrange(LO8, r10), a10 = r2.rearrange(HI8, r10), a3 = r3.rearrange(LO8, r11), a11 = r3.rearrange(HI8, r11);
        FloatVector a4 = r4.rearrange(LO8, r12), a12 = r4.rearrange(HI8, r12), a5 = r5.rearrange(LO8, r13), a13 = r5.rearrange(HI8, r13);
        FloatVector a6 = r6.rearrange(LO8, r14), a14 = r6.rearrange(HI8, r14), a7 = r7.rearrange(LO8, r15), a15 = r7.rearrange(HI8, r15);
        // b = 4: rows (i, i + 4) within each half
        FloatVector b0 = a0.rearrange(LO4, a4), b4 = a0.rearrange(HI4, a4), b1 = a1.rearrange(LO4, a5), b5 = a1.rearrange(HI4, a5);
        FloatVector b2 = a2.rearrange(LO4, a6), b6 = a2.rearrange(HI4, a6), b3 = a3.rearrange(LO4, a7), b7 = a3.rearrange(HI4, a7);
        FloatVector b8 = a8.rearrange(LO4, a12), b12 = a8.rearrange(HI4, a12), b9 = a9.rearrange(LO4, a13), b13 = a9.rearrange(HI4, a13);
        FloatVector b10 = a10.rearrange(LO4, a14), b14 = a10.rearrange(HI4, a14), b11 = a11.rearrange(LO4, a15), b15 = a11.rearrange(HI4, a15);
        // b = 2: rows (i, i + 2) within each quarter
        FloatVector c0 = b0.rearrange(LO2, b2), c2 = b0.rearrange(HI2, b2), c1 = b1.rearrange(LO2, b3), c3 = b1.rearrange(HI2, b3);
        FloatVector c4 = b4.rearrange(LO2, b6), c6 = b4.rearrange(HI2, b6), c5 = b5.rearrange(LO2, b7), c7 = b5.rearrange(HI2, b7);
        FloatVector c8 = b8.rearrange(LO2, b10), c10 = b8.rearrange(HI2, b10), c9 = b9.rearrange(LO2, b11), c11 = b9.rearrange(HI2, b11);
        FloatVector c12 = b12.rearrange(LO2, b14), c14 = b12.rearrange(HI2, b14), c13 = b13.rearrange(LO2, b15), c15 = b13.rearrange(HI2, b15);
        // b = 1: rows (i, i + 1), stored as the block's columns
        c0.rearrange(LO1, c1).intoArray(out, dst);
        c0.rearrange(HI1, c1).intoArray(out, dst + ow);
        c2.rearrange(LO1, c3).intoArray(out, dst + 2 * ow);
        c2.rearrange(HI1, c3).intoArray(out, dst + 3 * ow);
        c4.rearrange(LO1, c5).intoArray(out, dst + 4 * ow);
        c4.rearrange(HI1, c5).intoArray(out, dst + 5 * ow);
        c6.rearrange(LO1, c7).intoArray(out, dst + 6 * ow);
        c6.rearrange(HI1, c7).intoArray(out, dst + 7 * ow);
        c8.rearrange(LO1, c9).intoArray(out, dst + 8 * ow);
        c8.rearrange(HI1, c9).intoArray(out, dst + 9 * ow);
        c10.rearrange(LO1, c11).intoArray(out, dst + 10 * ow);
        c10.rearrange(HI1, c11).intoArray(out, dst + 11 * ow);
        c12.rearrange(LO1, c13).intoArray(out, dst + 12 * ow);
        c12.rearrange(HI1, c13).intoArray(out, dst + 13 * ow);
        c14.rearrange(LO1, c15).intoArray(out, dst + 14 * ow);
        c14.rearrange(HI1, c15).intoArray(out, dst + 15 * ow);
    }
}
