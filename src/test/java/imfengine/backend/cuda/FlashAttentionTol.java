package imfengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tolerances of the bf16 flash attention kernels against the CPU's fp32 attention, as
 * {@code max|cuda − cpu| / max|cpu|} per output tensor ({@link #maxAbsRel}), for unit Gaussian q, k, v and
 * tangents with scale 1/√Dh, Dh = 64.
 *
 * <p>bf16 keeps 8 significant bits: a rounding is off by at most u = 2⁻⁸ ≈ 0.0039 relative. The kernels round
 * each input once and P (and P⊙dS) once as operands of the second product; every sum is fp32. To first
 * order the output o = Σ_j P_j v_j then carries: u·|v| from rounding v, u·|v| from rounding P, and the
 * score error. A score s = scale·Σ_d q_d k_d with both factors rounded is off by about
 * 2u·scale·√(Σ_d q_d²k_d²) ≈ 2u (the Dh rounding errors have random signs, and scale·√Dh = 1), which moves
 * the weights by a relative 2u around their mean: another ≈ 2u·|v|. All three average over the keys like o
 * itself does, so relative to max|o| they add to about 4u: {@link #PRIMAL}. lse = m + ln l carries the
 * score error alone (≈ 2u of a value of order 1–5). The tangent to = (P⊙dS)·V + P·tV − μ·o has three
 * rounded products, the tangent scores dS (two products, each ≈ 2u) and a difference of terms of its own
 * size: twice the budget, {@link #TANGENT}. Measured (FlashAttentionParityTest, L ≤ 130): o ≤ 1.6u,
 * lse ≤ 0.5u, to ≤ 2.1u. A wrong tile bound or a missing barrier is far outside (MutantsTest).
 *
 * <p>The backward recomputes P from the rounded scores and the forward's lse and rounds dO, K, Q once and P and
 * dS once as operands: dv = Pᵀ·dO is a weighted sum like o ({@link #PRIMAL}); dS = P⊙(dP − D) subtracts the
 * fp32 D_i = dO_i·o_i from dP computed from rounded dO and V, a difference of terms of its own size like the
 * tangent's, so dq = scale·dS·K and dk = scale·dSᵀ·Q get the tangent's budget, {@link #BACKWARD}.
 */
public final class FlashAttentionTol {
    /** One bf16 rounding, relative: 2⁻⁸. */
    public static final double U = 0x1p-8;
    /** o and lse: 4u ≈ 0.0156 of max|o|. */
    public static final double PRIMAL = 4 * U;
    /** The tangent to: 8u ≈ 0.031 of max|to|. */
    public static final double TANGENT = 8 * U;
    /** dq and dk of the backward: 8u, as the tangent. */
    public static final double BACKWARD = 8 * U;

    private FlashAttentionTol() {}

    /** {@code max|a − ref| / max|ref|}; NaN when {@code a} holds a NaN (so that it passes no bound). */
    public static double maxAbsRel(float[] a, float[] ref) { return maxAbsRel(a, ref, ref); }

    /** {@code max|a − ref| / max|scale|}: for an output whose exact value is 0, measured against a sibling's size. */
    public static double maxAbsRel(float[] a, float[] ref, float[] scale) {
        assertEquals(ref.length, a.length, "lengths");
        double err = 0, size = 0;
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(a[i])) return Double.NaN;
            err = Math.max(err, Math.abs((double) a[i] - ref[i]));
        }
        for (float x : scale) size = Math.max(size, Math.abs(x));
        return err / size;
    }
}
