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
 */
public final class FlashAttentionTol {
    /** One bf16 rounding, relative: 2⁻⁸. */
    public static final double U = 0x1p-8;
    /** o and lse: 4u ≈ 0.0156 of max|o|. */
    public static final double PRIMAL = 4 * U;
    /** The tangent to: 8u ≈ 0.031 of max|to|. */
    public static final double TANGENT = 8 * U;

    private FlashAttentionTol() {}

    /** {@code max|a − ref| / max|ref|}; NaN when {@code a} holds a NaN (so that it passes no bound). */
    public static double maxAbsRel(float[] a, float[] ref) {
        assertEquals(ref.length, a.length, "lengths");
        double err = 0, scale = 0;
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(a[i])) return Double.NaN;
            err = Math.max(err, Math.abs((double) a[i] - ref[i]));
            scale = Math.max(scale, Math.abs(ref[i]));
        }
        return err / scale;
    }
}
