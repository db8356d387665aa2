package imfengine.backend.cpu;

import imfengine.backend.AttentionSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuAttention}'s math with its matrix products on the {@link AmxLibrary} GEMM: per (batch, head) pair the
 * whole {@code L×L} score matrix is one product on the calling thread, its softmax rows are {@link AttentionSimd}'s
 * (four rows at a time), and the weighted sums are products again. A head's scores ({@code L×Lp} floats, 190 KB for
 * s) stay in the core's L2 between the products. The products run at 160–250 GFLOP/s a core at s's shapes against
 * ~90 for {@link AttentionSimd}'s loops, which keep one query group's scores in L1 instead.
 * <pre>
 *   forward   S = q·kᵀ;  P = e^(scale·S − m);  o = (P·v)/l
 *   dual      also T = tq·kᵀ + q·tkᵀ;  W = P∘(scale·T − μ);  to = (W·v + P·tv)/l
 *   backward  S again, G = dO·vᵀ;  P = e^(scale·S − lse);  dS = P∘(G − D);  dv = Pᵀ·dO, dq = scale·dS·k, dk = scale·dSᵀ·q
 * </pre>
 * The forward and the dual compute {@code o} and {@code lse} by the same calls, so their bits agree. Score rows are
 * padded to {@code Lp} (a multiple of the vector length) with {@code −∞} (scores) or 0 (tangents, gradients), and the
 * row count to a multiple of four with zero rows whose results are dropped; the products read only the real
 * {@code L} columns. Products that go through {@link AmxLibrary} keep fp32 accuracy (three bf16 parts per operand).
 */
final class AttentionAmx {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final int ROWS = AttentionSimd.ROWS;

    private static final ThreadLocal<AttentionSimd.Scratch> SCRATCH = ThreadLocal.withInitial(AttentionSimd.Scratch::new);

    private AttentionAmx() {}

    /** This thread's scratch (tests poison it). */
    static AttentionSimd.Scratch scratch() { return SCRATCH.get(); }

    /**
     * Heads shorter than this stay on {@link AttentionSimd}: their products are too small for the tiles' fixed costs
     * (packing, 32-row blocks). One thread, medians of 11–15 alternating rounds (2026-12-04, Intel Xeon), AMX time
     * over {@link AttentionSimd}'s for forward, dual, backward: L 69, Dh 32 1.54, 1.11, 0.99; L 69, Dh 64 1.18, 1.06,
     * 0.99; L 128, Dh 32 0.85, 0.76, 0.77; L 216, Dh 64 0.68, 0.59, 0.69; L 276, Dh 64 0.77, 0.66, 0.73.
     */
    static final int MIN_LENGTH = 128;
    /** The score product's depth is {@code Dh}; a tile holds 32 of depth. */
    static final int MIN_HEAD_DIM = 32;

    /** Whether heads of this shape run here. */
    static boolean takes(AttentionSpec s) { return s.length() >= MIN_LENGTH && s.headDim() >= MIN_HEAD_DIM; }

    /** For logs: which heads {@link #takes}. */
    static String describeTaken() { return "L ≥ " + MIN_LENGTH + ", Dh ≥ " + MIN_HEAD_DIM; }

    static void forward(AmxLibrary amx, AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, int from, int to) {
        int len = s.length(), lp = AttentionSimd.padded(len), lr = roundRows(len);
        AttentionSimd.Scratch sc = scratch();
        float[] p = sc.get(0, lr * lp), inv = sc.get(1, lr);
        for (int bh = from; bh < to; bh++) {
            int base = CpuAttention.base(s, bh);
            probabilities(amx, s, q, k, base, p, lp, lse, bh, inv);
            weightedSum(amx, s, p, lp, v, base, 0f, o, inv);
        }
    }

    static void dual(AmxLibrary amx, AttentionSpec s, float[] q, float[] tq, float[] k, float[] tk, float[] v, float[] tv,
                     float[] o, float[] to, float[] lse, int from, int until) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = AttentionSimd.padded(len), lr = roundRows(len);
        AttentionSimd.Scratch sc = scratch();
        float[] p = sc.get(0, lr * lp), inv = sc.get(1, lr), t = sc.get(2, lr * lp), mu = sc.get(3, ROWS);
        for (int bh = from; bh < until; bh++) {
            int base = CpuAttention.base(s, bh);
            amx.gemm(false, true, len, len, dh, 1f, tq, base, w, k, base, w, 0f, t, 0, lp);
            amx.gemm(false, true, len, len, dh, 1f, q, base, w, tk, base, w, 1f, t, 0, lp);
            pad(t, lp, len, lr, 0f);
            probabilities(amx, s, q, k, base, p, lp, lse, bh, inv);
            for (int i0 = 0; i0 < lr; i0 += ROWS) {
                int g = i0 * lp;
                AttentionSimd.dots(p, t, g, g + lp, g + 2 * lp, g + 3 * lp, lp, mu);
                // μ = Σ P·scale·T; the tangent weights P(scale·T − μ) fold the softmax's −μ·o term into one sum
                for (int r = 0; r < ROWS; r++) AttentionSimd.tangentWeights(p, t, g + r * lp, lp, s.scale(), s.scale() * mu[r] * inv[i0 + r]);
            }
            weightedSum(amx, s, p, lp, v, base, 0f, o, inv);
            amx.gemm(false, false, len, dh, len, 1f, t, 0, lp, v, base, w, 0f, to, base, w);
            weightedSum(amx, s, p, lp, tv, base, 1f, to, inv);
        }
    }

    static void backward(AmxLibrary amx, AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, float[] dO,
                         float[] dq, float[] dk, float[] dv, int from, int to) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = AttentionSimd.padded(len), lr = roundRows(len);
        float scale = s.scale();
        AttentionSimd.Scratch sc = scratch();
        float[] p = sc.get(0, lr * lp), g = sc.get(2, lr * lp), d = sc.get(3, ROWS);
        int[] rows = new int[ROWS];
        for (int bh = from; bh < to; bh++) {
            int base = CpuAttention.base(s, bh);
            scores(amx, s, q, k, base, p, lp);
            amx.gemm(false, true, len, len, dh, 1f, dO, base, w, v, base, w, 0f, g, 0, lp);
            pad(g, lp, len, lr, 0f);
            for (int i0 = 0; i0 < lr; i0 += ROWS) {
                AttentionSimd.queryRows(base, w, i0, len, rows);
                AttentionSimd.dots(dO, o, rows[0], rows[1], rows[2], rows[3], dh, d);
                for (int r = 0; r < ROWS; r++)
                    AttentionSimd.gradientWeights(p, g, (i0 + r) * lp, lp, scale, lse[bh * len + Math.min(i0 + r, len - 1)], d[r]);
            }
            amx.gemm(true, false, len, dh, len, 1f, p, 0, lp, dO, base, w, 0f, dv, base, w);
            amx.gemm(false, false, len, dh, len, scale, g, 0, lp, k, base, w, 0f, dq, base, w);
            amx.gemm(true, false, len, dh, len, scale, g, 0, lp, q, base, w, 0f, dk, base, w);
        }
    }

    /**
     * {@code p} ← the head's unnormalised probabilities {@code e^(scale·q·kᵀ − m)}, {@code inv[i] = 1/l_i} and
     * {@code lse}: the score product, then {@link AttentionSimd#softmax} four rows at a time.
     */
    private static void probabilities(AmxLibrary amx, AttentionSpec s, float[] q, float[] k, int base, float[] p, int lp,
                                      float[] lse, int bh, float[] inv) {
        int len = s.length(), lr = roundRows(len);
        scores(amx, s, q, k, base, p, lp);
        float[] mx = new float[ROWS], sums = new float[ROWS];
        for (int i0 = 0; i0 < lr; i0 += ROWS) {
            AttentionSimd.softmax(p, i0 * lp, lp, s.scale(), mx, sums);
            for (int r = 0; r < ROWS; r++) {
                inv[i0 + r] = 1f / sums[r];
                if (i0 + r < len) lse[bh * len + i0 + r] = mx[r] + (float) Math.log(sums[r]);
            }
        }
    }

    /** {@code p} ← the head's raw scores {@code q·kᵀ} (stride {@code lp}), padded with {@code −∞} (see {@link #pad}). */
    private static void scores(AmxLibrary amx, AttentionSpec s, float[] q, float[] k, int base, float[] p, int lp) {
        int len = s.length(), w = s.width();
        amx.gemm(false, true, len, len, s.headDim(), 1f, q, base, w, k, base, w, 0f, p, 0, lp);
        pad(p, lp, len, roundRows(len), Float.NEGATIVE_INFINITY);
    }

    /** {@code out_i = inv_i · (Σ_j p_ij x_j + beta·out_i)}, for the head's rows of {@code out}. */
    private static void weightedSum(AmxLibrary amx, AttentionSpec s, float[] p, int lp, float[] x, int base, float beta,
                                    float[] out, float[] inv) {
        int len = s.length(), w = s.width(), dh = s.headDim();
        amx.gemm(false, false, len, dh, len, 1f, p, 0, lp, x, base, w, beta, out, base, w);
        for (int i = 0; i < len; i++) {
            int oi = base + i * w;
            float f = inv[i];
            int d = 0;
            for (int end = S.loopBound(dh); d < end; d += VL) FloatVector.fromArray(S, out, oi + d).mul(f).intoArray(out, oi + d);
            for (; d < dh; d++) out[oi + d] *= f;
        }
    }

    /** Columns {@code [len, lp)} of rows {@code [0, lr)} (stride {@code lp}) set to {@code pad}; rows {@code [len, lr)} zero before them. */
    private static void pad(float[] x, int lp, int len, int lr, float pad) {
        for (int i = 0; i < lr; i++) {
            int o = i * lp;
            if (i >= len) java.util.Arrays.fill(x, o, o + len, 0f);
            java.util.Arrays.fill(x, o + len, o + lp, pad);
        }
    }

    private static int roundRows(int len) { return (len + ROWS - 1) / ROWS * ROWS; }
}
