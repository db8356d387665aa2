package imfengine.backend.cpu;

import imfengine.backend.AttentionSpec;

/**
 * Multi-head attention {@code o = softmax(q·kᵀ·scale)·v} on {@code q, k, v, o [B, L, H·Dh]}: heads are
 * interleaved in the channel axis exactly as a Linear projection writes them, so head {@code h} of
 * row {@code (b, i)} is the {@code Dh} floats at {@code (b·L + i)·H·Dh + h·Dh}; nothing is permuted.
 * {@code lse [B, H, L]} is the log-sum-exp of each score row, saved by the forward for the backward.
 * <pre>
 *   forward   s_ij = scale·q_i·k_j,  P = softmax_j(s),  o_i = Σ_j P_ij v_j,  lse_i = m_i + log l_i
 *   dual      also ds_ij = scale·(tq_i·k_j + q_i·tk_j),  μ_i = Σ_j P_ij ds_ij,
 *             to_i = Σ_j P_ij (ds_ij v_j + tv_j) − μ_i o_i
 *   backward  P_ij = exp(s_ij − lse_i) (recomputed),  D_i = dO_i·o_i,  dS_ij = P_ij (dO_i·v_j − D_i),
 *             dq_i = scale Σ_j dS_ij k_j,  dk_j = scale Σ_i dS_ij q_i,  dv_j = Σ_i P_ij dO_i
 * </pre>
 * The scalar forward and dual are one online-softmax pass per query row (flash style): a running max
 * {@code m}, running sum {@code l} and unnormalised accumulators for {@code o}, {@code Σ P·ds} and the
 * tangent, all rescaled by {@code exp(m_old − m_new)} when the max grows, so the tangent costs no
 * second pass over the keys.
 * No {@code L×L} score or probability tensor is ever materialised: the scalar loops keep one score at
 * a time, {@link AttentionSimd} keeps the score rows of {@link AttentionSimd#ROWS} queries per thread
 * (plus a per-head transposed copy of {@code k}, {@code tk}, {@code v}: {@code Dh×L} floats).
 * <p>
 * Work is split over the {@code B·H} (batch, head) pairs; each pair writes a disjoint slice of the
 * outputs. All outputs ({@code o, to, lse, dq, dk, dv}) are overwritten; inputs are not modified.
 * The loops here are the scalar reference; {@link AttentionSimd} is used when {@code simd} is true.
 */
final class CpuAttention {
    private final WorkerPool pool;
    private final boolean simd;
    private final AmxLibrary amx;

    CpuAttention(WorkerPool pool, boolean simd) { this(pool, simd, true); }

    /** {@code useAmx} false keeps every head on {@link AttentionSimd} (tests compare the two). */
    CpuAttention(WorkerPool pool, boolean simd, boolean useAmx) {
        this.pool = pool;
        this.simd = simd;
        this.amx = simd && useAmx ? AmxLibrary.get().orElse(null) : null;
    }

    /** For logs: which heads run on AMX ({@code ""} when none). */
    String amxStatus() { return amx != null ? "; attention heads with " + AttentionAmx.describeTaken() : ""; }

    /** Whether heads of this shape run on {@link AttentionAmx}. */
    private boolean onAmx(AttentionSpec s) { return amx != null && AttentionAmx.takes(s); }

    void forward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse) {
        check(s, lse, q, k, v, o);
        overPairs(s, (from, to) -> {
            if (onAmx(s)) AttentionAmx.forward(amx, s, q, k, v, o, lse, from, to);
            else if (simd) AttentionSimd.forward(s, q, k, v, o, lse, from, to);
            else forwardScalar(s, q, k, v, o, lse, from, to);
        });
    }

    void dual(AttentionSpec s, float[] q, float[] tq, float[] k, float[] tk, float[] v, float[] tv, float[] o, float[] to, float[] lse) {
        check(s, lse, q, tq, k, tk, v, tv, o, to);
        overPairs(s, (from, until) -> {
            if (onAmx(s)) AttentionAmx.dual(amx, s, q, tq, k, tk, v, tv, o, to, lse, from, until);
            else if (simd) AttentionSimd.dual(s, q, tq, k, tk, v, tv, o, to, lse, from, until);
            else dualScalar(s, q, tq, k, tk, v, tv, o, to, lse, from, until);
        });
    }

    void backward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, float[] dO, float[] dq, float[] dk, float[] dv) {
        check(s, lse, q, k, v, o, dO, dq, dk, dv);
        overPairs(s, (from, to) -> {
            if (onAmx(s)) AttentionAmx.backward(amx, s, q, k, v, o, lse, dO, dq, dk, dv, from, to);
            else if (simd) AttentionSimd.backward(s, q, k, v, o, lse, dO, dq, dk, dv, from, to);
            else backwardScalar(s, q, k, v, o, lse, dO, dq, dk, dv, from, to);
        });
    }

    /**
     * Runs {@code body} over the (batch, head) pairs in guided ranges the threads claim (long ones first,
     * single pairs last): with two static halves a thread that lost its core for a while held up the whole
     * attention, and with equal ranges the first thread done waited on average half a range.
     */
    private void overPairs(AttentionSpec s, WorkerPool.Range body) {
        pool.parallelForGuided(s.batch() * s.heads(), 1, body);
    }

    /** Offset of head {@code h} of row {@code (b, 0)} for pair {@code bh = b·H + h}. */
    static int base(AttentionSpec s, int bh) {
        int b = bh / s.heads(), h = bh % s.heads();
        return b * s.length() * s.width() + h * s.headDim();
    }

    private static void check(AttentionSpec s, float[] lse, float[]... xs) {
        long n = s.elements();
        for (float[] x : xs)
            if (x.length < n) throw new IllegalArgumentException("attention: array of " + x.length + " floats for " + s);
        if (lse.length < (long) s.batch() * s.heads() * s.length())
            throw new IllegalArgumentException("attention: lse of " + lse.length + " floats for " + s);
    }

    // ---- scalar reference loops --------------------------------------------------------------
    static void forwardScalar(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, int from, int to) {
        int len = s.length(), w = s.width(), dh = s.headDim();
        float scale = s.scale();
        float[] acc = new float[dh];
        for (int bh = from; bh < to; bh++) {
            int base = base(s, bh);
            for (int i = 0; i < len; i++) {
                int qi = base + i * w;
                float m = Float.NEGATIVE_INFINITY, l = 0f;
                java.util.Arrays.fill(acc, 0f);
                for (int j = 0; j < len; j++) {
                    int kj = base + j * w;
                    float sc = 0f;
                    for (int d = 0; d < dh; d++) sc += q[qi + d] * k[kj + d];
                    sc *= scale;
                    if (sc > m) { // the max grew: rescale what was summed so far
                        float corr = (float) Math.exp(m - sc);
                        l *= corr;
                        for (int d = 0; d < dh; d++) acc[d] *= corr;
                        m = sc;
                    }
                    float p = (float) Math.exp(sc - m);
                    l += p;
                    for (int d = 0; d < dh; d++) acc[d] += p * v[kj + d];
                }
                float inv = 1f / l;
                for (int d = 0; d < dh; d++) o[qi + d] = acc[d] * inv;
                lse[bh * len + i] = m + (float) Math.log(l);
            }
        }
    }

    static void dualScalar(AttentionSpec s, float[] q, float[] tq, float[] k, float[] tk, float[] v, float[] tv,
                           float[] o, float[] to, float[] lse, int from, int until) {
        int len = s.length(), w = s.width(), dh = s.headDim();
        float scale = s.scale();
        float[] acc = new float[dh], accT = new float[dh];
        for (int bh = from; bh < until; bh++) {
            int base = base(s, bh);
            for (int i = 0; i < len; i++) {
                int qi = base + i * w;
                float m = Float.NEGATIVE_INFINITY, l = 0f, mu = 0f; // mu: unnormalised Σ_j P_ij ds_ij
                java.util.Arrays.fill(acc, 0f);
                java.util.Arrays.fill(accT, 0f);
                for (int j = 0; j < len; j++) {
                    int kj = base + j * w;
                    float sc = 0f, ds = 0f;
                    for (int d = 0; d < dh; d++) {
                        sc += q[qi + d] * k[kj + d];
                        ds += tq[qi + d] * k[kj + d] + q[qi + d] * tk[kj + d];
                    }
                    sc *= scale;
                    ds *= scale;
                    if (sc > m) {
                        float corr = (float) Math.exp(m - sc);
                        l *= corr;
                        mu *= corr;
                        for (int d = 0; d < dh; d++) {
                            acc[d] *= corr;
                            accT[d] *= corr;
                        }
                        m = sc;
                    }
                    float p = (float) Math.exp(sc - m), pds = p * ds;
                    l += p;
                    mu += pds;
                    for (int d = 0; d < dh; d++) {
                        acc[d] += p * v[kj + d];
                        accT[d] += pds * v[kj + d] + p * tv[kj + d];
                    }
                }
                float inv = 1f / l, muN = mu * inv;
                for (int d = 0; d < dh; d++) {
                    float od = acc[d] * inv;
                    o[qi + d] = od;
                    to[qi + d] = accT[d] * inv - muN * od;
                }
                lse[bh * len + i] = m + (float) Math.log(l);
            }
        }
    }

    static void backwardScalar(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, float[] dO,
                               float[] dq, float[] dk, float[] dv, int from, int to) {
        int len = s.length(), w = s.width(), dh = s.headDim();
        float scale = s.scale();
        float[] dqAcc = new float[dh];
        for (int bh = from; bh < to; bh++) {
            int base = base(s, bh);
            for (int j = 0; j < len; j++)
                for (int d = 0; d < dh; d++) {
                    dk[base + j * w + d] = 0f;
                    dv[base + j * w + d] = 0f;
                }
            for (int i = 0; i < len; i++) {
                int qi = base + i * w;
                float di = 0f;
                for (int d = 0; d < dh; d++) di += dO[qi + d] * o[qi + d];
                float lsei = lse[bh * len + i];
                java.util.Arrays.fill(dqAcc, 0f);
                for (int j = 0; j < len; j++) {
                    int kj = base + j * w;
                    float sc = 0f, dp = 0f;
                    for (int d = 0; d < dh; d++) {
                        sc += q[qi + d] * k[kj + d];
                        dp += dO[qi + d] * v[kj + d];
                    }
                    float p = (float) Math.exp(sc * scale - lsei), dsc = p * (dp - di);
                    for (int d = 0; d < dh; d++) {
                        dqAcc[d] += dsc * k[kj + d];
                        dk[kj + d] += scale * dsc * q[qi + d];
                        dv[kj + d] += p * dO[qi + d];
                    }
                }
                for (int d = 0; d < dh; d++) dq[qi + d] = scale * dqAcc[d];
            }
        }
    }
}
