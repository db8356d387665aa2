package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two Vector API operations the kernels need whose bits the Vector API leaves to the JIT tier,
 * written out with lane-wise IEEE operations so that they give the same bits in the interpreter,
 * C1 and C2 (and so the same bits whenever a method happens to get compiled):
 * <ul>
 *   <li>{@code reduceLanes(ADD)} on floats has an unspecified order: the Java fallback that runs
 *       before C2 compiles a method adds lane 0, 1, 2, ... in turn, C2's intrinsic adds in a tree.
 *       {@link #sum} adds them in one fixed tree, always.</li>
 *   <li>{@code lanewise(EXP)} runs {@code (float) Math.exp} per lane in the fallback but Intel's SVML
 *       ({@code libjsvml}) under C2; the two differ in the last bit for some inputs. {@link #exp} is a
 *       polynomial built from {@code fma}, {@code mul}, {@code add} and integer bit operations, each of
 *       which is exactly rounded (or exact) in every tier.</li>
 * </ul>
 * Lane-wise add, mul, div, sqrt and fma, and the MAX reduction, are exact IEEE operations (or
 * order-free) in every tier and need nothing here.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Lane {@code i} ↔ lane {@code i ^ k}, for the tree of {@link #sum} (only those with {@code k < VL} are used). */
    private static final VectorShuffle<Float> SWAP_8 = swap(8), SWAP_4 = swap(4), SWAP_2 = swap(2), SWAP_1 = swap(1);

    /*
     * exp(x) = 2^n · e^r with n = round(x·log2 e) and r = x − n·ln 2 in [−ln2/2, ln2/2]; ln 2 is split into a
     * high part exact in few bits and a low correction (Cody–Waite), so n·LN2_HI is exact. e^r is
     * 1 + r + r²·P(r), P the degree-5 minimax polynomial of Cephes' expf (relative error ≈ 1 ulp).
     */
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    /** 1.5·2²³: adding it rounds a float of magnitude < 2²² to an integer, held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    /**
     * Inputs are clamped to this range first, which keeps n within [−152, 129] so that 2^n can be formed
     * as two normal powers of two. Below −105 the result rounds to 0 and above 89 it overflows to +∞,
     * both as {@code Math.exp} does; NaN stays NaN.
     */
    private static final FloatVector LO = FloatVector.broadcast(S, -105f), HI = FloatVector.broadcast(S, 89f);

    private VectorMath() {}

    /**
     * The sum of the lanes, always added in the same pairwise tree: each level adds lane {@code i} and lane
     * {@code i ^ k} for k = VL/2, ..., 2, 1, and lane 0 holds the total (with 8 lanes,
     * {@code ((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7))}). Shuffles and lane-wise adds are exact in every tier,
     * and the tree costs what C2's own reduction does (a sum in lane order was a chain of VL dependent adds).
     */
    static float sum(FloatVector v) {
        if (VL > 8) v = v.add(v.rearrange(SWAP_8));
        if (VL > 4) v = v.add(v.rearrange(SWAP_4));
        if (VL > 2) v = v.add(v.rearrange(SWAP_2));
        if (VL > 1) v = v.add(v.rearrange(SWAP_1));
        return v.lane(0);
    }

    /**
     * {@link #sum} of a vector already stored into {@code lanes[0, VL)}, in the same tree and so with the
     * same bits; {@code lanes} is overwritten. For callers where a call taking a vector might not be
     * inlined (C2 would box the vector): arrays cross a call for free.
     */
    static float sumLanes(float[] lanes) {
        for (int k = VL / 2; k >= 1; k /= 2)
            for (int i = 0; i < k; i++) lanes[i] += lanes[i + k];
        return lanes[0];
    }

    private static VectorShuffle<Float> swap(int k) { return k < VL ? VectorShuffle.fromOp(S, i -> i ^ k) : null; }

    /** e^x per lane, within about 1 ulp of {@code Math.exp}; 0 for −∞, +∞ for +∞ and NaN for NaN. */
    static FloatVector exp(FloatVector x) {
        // a compare and a blend each: max/min with Java's NaN and −0 rules take several instructions each
        // (the exp was ~12 % faster so); NaN compares false and passes through, ±∞ become LO and HI
        FloatVector xc = x.blend(LO, x.lt(LO));
        xc = xc.blend(HI, xc.compare(VectorOperators.GT, HI));
        FloatVector t = xc.fma(LOG2E, ROUNDER);                     // n in the low mantissa bits of t
        FloatVector n = t.sub(ROUNDER);                              // n as a float (exact)
        FloatVector r = n.fma(bc(-LN2_HI), xc);                      // exact: n·LN2_HI has few bits
        r = n.fma(bc(-LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, bc(P2));
        p = p.fma(r, bc(P3));
        p = p.fma(r, bc(P4));
        p = p.fma(r, bc(P5));
        FloatVector er = p.fma(r.mul(r), r).add(1f);                 // e^r = 1 + (r + r²·P(r))
        // 2^n = 2^(n>>1) · 2^(n − (n>>1)): both factors are normal floats for n in [−152, 129], and the
        // product rounds once (the first multiply is exact), so subnormal results come out right too.
        IntVector ni = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER));
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(s1).mul(s2);
    }

    /** Below this {@link #expShifted} returns 0: from here up, 2^n is a normal float. */
    private static final FloatVector SHIFTED_LO = FloatVector.broadcast(S, -87f);

    /**
     * e^x per lane for the shifted scores of a softmax ({@code x = s − max} or {@code s − lse}: at most a
     * rounding error above 0, −∞ on padding): {@link #exp}'s bits for −87 ≤ x &lt; 88 and 0 below −87
     * (e^−87 ≈ 1.6·10^−38, which a row sum of at least 1 cannot see). Without the upper clamp and the
     * two-factor 2^n (n ≥ −126 here, so 2^n is normal) it takes 19 vector operations instead of 25.
     * The range reduction and polynomial repeat {@link #exp}'s lines on purpose: a helper that takes and
     * returns vectors would be one more inlining level inside the attention kernels, where C2's cutoffs
     * have boxed vectors before (see {@link AttentionSimd}).
     */
    static FloatVector expShifted(FloatVector x) {
        var tiny = x.lt(SHIFTED_LO);                                 // NaN compares false and stays NaN
        FloatVector xc = x.blend(SHIFTED_LO, tiny);
        FloatVector t = xc.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(bc(-LN2_HI), xc);
        r = n.fma(bc(-LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, bc(P2));
        p = p.fma(r, bc(P3));
        p = p.fma(r, bc(P4));
        p = p.fma(r, bc(P5));
        FloatVector er = p.fma(r.mul(r), r).add(1f);
        IntVector ni = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER));   // n in [−126, 127]
        FloatVector scale = ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(scale).blend(0f, tiny);
    }

    private static FloatVector bc(float c) { return FloatVector.broadcast(S, c); }
}
