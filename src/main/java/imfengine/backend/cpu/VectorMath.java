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
 *       The kernels add them in one fixed tree, always, by lane moves ({@link #X8} … {@link #X1}).</li>
 *   <li>{@code lanewise(EXP)} runs {@code (float) Math.exp} per lane in the fallback but Intel's SVML
 *       ({@code libjsvml}) under C2; the two differ in the last bit for some inputs. {@link #exp} is a
 *       polynomial built from {@code fma}, {@code mul}, {@code add} and integer bit operations, each of
 *       which is exactly rounded (or exact) in every tier.</li>
 * </ul>
 * Lane-wise add, mul, div, sqrt and fma, and the MAX reduction, are exact IEEE operations (or
 * order-free) in every tier and need nothing here.
 * <p>No method here (or in any CPU kernel class) takes or returns a vector: C2 inlines such a call only
 * while its heuristics allow (node count, the callee's size once compiled on its own, which depends on
 * what got hot first), and a call left out of line boxes its vectors on every call. That happened in
 * about one JVM in ten or twenty: 11930 MiB of heap per xs step and a 1.6× slower step (forcing one
 * helper out of line with {@code -XX:CompileCommand=dontinline} gave 1–39 GiB per step, by helper;
 * docs/PERF.md). Arrays cross a call for free, so the helpers take arrays
 * ({@code NoVectorInSignaturesTest} checks every kernel class).
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();

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
     * The lane sum of a vector {@code acc}, always in the same pairwise tree: each level adds lane {@code i} and
     * lane {@code i ^ k} for k = VL/2, ..., 2, 1, and lane 0 holds the total (with 8 lanes,
     * {@code ((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7))}). A kernel writes the levels out where it sums:
     * <pre>
     *   if (VL >= 16) acc = acc.add(acc.rearrange(X8));
     *   if (VL >= 8) acc = acc.add(acc.rearrange(X4));
     *   if (VL >= 4) acc = acc.add(acc.rearrange(X2));
     *   float sum = acc.add(acc.rearrange(X1)).lane(0);
     * </pre>
     * ({@code VL} is a constant: C2 drops the levels a width has not.) Lane moves and lane-wise adds are exact in
     * every tier, so the bits are the same everywhere, and they stay in registers: the same tree through a
     * scratch array in memory made a 32-float RMSNorm row 2.6× slower. A helper would have to take the vector
     * (see the class comment).
     */
    static final VectorShuffle<Float> X8 = xor(8), X4 = xor(4), X2 = xor(2), X1 = xor(1);

    /** Lane {@code i} to lane {@code i ^ k} (within the vector's lanes). */
    private static VectorShuffle<Float> xor(int k) { return VectorShuffle.fromOp(S, i -> (i ^ k) & (VL - 1)); }

    /**
     * {@code out[oo + i] = e^(sign·x[xo + i])} for {@code i < n}, {@code n} a multiple of the vector length and
     * {@code sign} 1 or −1 (an exact product); within about 1 ulp of {@code Math.exp}; 0 for −∞, +∞ for +∞
     * and NaN for NaN. {@code out} may be {@code x} at the same offset.
     */
    static void exp(float[] x, int xo, float sign, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i).mul(sign);
            // a compare and a blend each: max/min with Java's NaN and −0 rules take several instructions each
            // (the exp was ~12 % faster so); NaN compares false and passes through, ±∞ become LO and HI
            FloatVector xc = v.blend(LO, v.lt(LO));
            xc = xc.blend(HI, xc.compare(VectorOperators.GT, HI));
            FloatVector t = xc.fma(LOG2E, ROUNDER);                     // n in the low mantissa bits of t
            FloatVector m = t.sub(ROUNDER);                              // n as a float (exact)
            FloatVector r = m.fma(FloatVector.broadcast(S, -LN2_HI), xc);                          // exact: n·LN2_HI has few bits
            r = m.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector p = r.fma(P0, P1);
            p = p.fma(r, FloatVector.broadcast(S, P2));
            p = p.fma(r, FloatVector.broadcast(S, P3));
            p = p.fma(r, FloatVector.broadcast(S, P4));
            p = p.fma(r, FloatVector.broadcast(S, P5));
            FloatVector er = p.fma(r.mul(r), r).add(1f);                 // e^r = 1 + (r + r²·P(r))
            // 2^n = 2^(n>>1) · 2^(n − (n>>1)): both factors are normal floats for n in [−152, 129], and the
            // product rounds once (the first multiply is exact), so subnormal results come out right too.
            IntVector ni = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER));
            IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
            FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            er.mul(s1).mul(s2).intoArray(out, oo + i);
        }
    }

    /** Below this {@link #expShifted} returns 0: from here up, 2^n is a normal float. */
    private static final FloatVector SHIFTED_LO = FloatVector.broadcast(S, -87f);

    /**
     * {@code out[oo + i] = e^(scale·x[xo + i] − shift)} for {@code i < n} ({@code n} a multiple of the vector length;
     * {@code out} may be {@code x} at the same offset; {@code scale > 0}), for the shifted scores of a softmax
     * ({@code s − max} or {@code s − lse}: at most a rounding error above 0, −∞ on padding). The argument is one
     * fused multiply-add, so {@code scale} 1 gives the bits of {@code x − shift}. {@link #exp}'s
     * bits for −87 ≤ scale·x − shift &lt; 88 and 0 below −87 (e^−87 ≈ 1.6·10^−38, which a row sum of at least 1
     * cannot see). Without the upper clamp and the two-factor 2^n (n ≥ −126 here, so 2^n is normal) it takes
     * 19 vector operations instead of 25. The range reduction and polynomial repeat {@link #exp}'s lines on
     * purpose: sharing them would take a method that passes vectors (see the class comment).
     * <p>It does not sum what it writes ({@link ReductionSimd#sum} or the caller's own lane sums do, in the same
     * order as a sum kept here would): with a sum carried from vector to vector, the exponentials of the next
     * row could not start before this row's sum was done, and the softmax of a group of short attention rows
     * (5 vectors each) waited on that chain; without it the xs attention forward took 0.85× the time.
     */
    static void expShifted(float[] x, int xo, float scale, float shift, float[] out, int oo, int n) {
        FloatVector factor = FloatVector.broadcast(S, scale), minusShift = FloatVector.broadcast(S, -shift);
        for (int i = 0; i < n; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i).fma(factor, minusShift);
            var tiny = v.lt(SHIFTED_LO);                                 // NaN compares false and stays NaN
            FloatVector xc = v.blend(SHIFTED_LO, tiny);
            FloatVector t = xc.fma(LOG2E, ROUNDER);
            FloatVector m = t.sub(ROUNDER);
            FloatVector r = m.fma(FloatVector.broadcast(S, -LN2_HI), xc);
            r = m.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector p = r.fma(P0, P1);
            p = p.fma(r, FloatVector.broadcast(S, P2));
            p = p.fma(r, FloatVector.broadcast(S, P3));
            p = p.fma(r, FloatVector.broadcast(S, P4));
            p = p.fma(r, FloatVector.broadcast(S, P5));
            FloatVector er = p.fma(r.mul(r), r).add(1f);
            IntVector ni = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER));   // n in [−126, 127]
            FloatVector twoToN = ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            er.mul(twoToN).blend(0f, tiny).intoArray(out, oo + i);
        }
    }
}
