package imfengine.backend.cpu;

import imfengine.backend.AttentionSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of {@link CpuAttention}'s loops (same math, same layout). Per (batch, head) pair,
 * {@code k} (and {@code tk}; in the backward also {@code v}) is first copied transposed into a
 * {@code [Dh, Lp]} scratch, {@code Lp} = L rounded up to the vector length and zero padded, so a
 * query's scores against {@code VL} keys are {@code Dh} broadcast-FMAs with no horizontal sums.
 * Products with {@code v} are vectorised over {@code Dh} instead (row-major {@code v} rows, scalar tail).
 * The online softmax runs over key blocks of {@link #KEY_BLOCK}: one block's scores live in a
 * per-thread scratch row, and the accumulators are rescaled between blocks.
 * <p>
 * Each phase (scores, exponentials, accumulation) is its own small method that takes arrays and
 * scalars only: with the phases written inline in one large method body the dual ran ~8x slower
 * (measured ~170 ms vs ~22 ms on the xs shape; most likely C2 stops inlining the Vector API calls and
 * boxes the vectors). Inner loops handle two vectors per pass with independent accumulators, because
 * a single FMA chain is latency bound.
 */
final class AttentionSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Keys per online-softmax block (a multiple of every vector length). */
    static final int KEY_BLOCK = 128;
    /** Query rows whose {@code P}, {@code dS} rows the backward keeps to update {@code dk, dv} in one sweep. */
    private static final int QUERY_BLOCK = 4;

    private AttentionSimd() {}

    // ---- kernels -----------------------------------------------------------------------------
    static void forward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, int from, int to) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = padded(len);
        float[] kT = new float[dh * lp], pRow = new float[KEY_BLOCK], acc = new float[dh];
        for (int bh = from; bh < to; bh++) {
            int base = CpuAttention.base(s, bh);
            transpose(k, base, w, len, dh, kT, lp);
            for (int i = 0; i < len; i++) {
                int qi = base + i * w;
                float m = Float.NEGATIVE_INFINITY, l = 0f;
                java.util.Arrays.fill(acc, 0f);
                for (int j0 = 0; j0 < len; j0 += KEY_BLOCK) {
                    int jn = Math.min(KEY_BLOCK, len - j0);
                    float mNew = Math.max(m, scores(q, null, qi, kT, null, lp, j0, jn, dh, s.scale(), pRow, null));
                    float corr = (float) Math.exp(m - mNew);
                    l = l * corr + exp(pRow, null, jn, mNew, null);
                    accumulate(v, null, base + j0 * w, w, pRow, null, jn, corr, acc, null, dh);
                    m = mNew;
                }
                finish(acc, null, l, 0f, o, null, qi, dh);
                lse[bh * len + i] = m + (float) Math.log(l);
            }
        }
    }

    static void dual(AttentionSpec s, float[] q, float[] tq, float[] k, float[] tk, float[] v, float[] tv,
                     float[] o, float[] to, float[] lse, int from, int until) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = padded(len);
        float[] kT = new float[dh * lp], tkT = new float[dh * lp];
        float[] pRow = new float[KEY_BLOCK], pdsRow = new float[KEY_BLOCK], acc = new float[dh], accT = new float[dh];
        float[] muBlock = new float[1];
        for (int bh = from; bh < until; bh++) {
            int base = CpuAttention.base(s, bh);
            transpose(k, base, w, len, dh, kT, lp);
            transpose(tk, base, w, len, dh, tkT, lp);
            for (int i = 0; i < len; i++) {
                int qi = base + i * w;
                float m = Float.NEGATIVE_INFINITY, l = 0f, mu = 0f; // mu: unnormalised Σ_j P_ij ds_ij
                java.util.Arrays.fill(acc, 0f);
                java.util.Arrays.fill(accT, 0f);
                for (int j0 = 0; j0 < len; j0 += KEY_BLOCK) {
                    int jn = Math.min(KEY_BLOCK, len - j0);
                    float mNew = Math.max(m, scores(q, tq, qi, kT, tkT, lp, j0, jn, dh, s.scale(), pRow, pdsRow));
                    float corr = (float) Math.exp(m - mNew);
                    l = l * corr + exp(pRow, pdsRow, jn, mNew, muBlock);
                    mu = mu * corr + muBlock[0];
                    accumulate(v, tv, base + j0 * w, w, pRow, pdsRow, jn, corr, acc, accT, dh);
                    m = mNew;
                }
                finish(acc, accT, l, mu, o, to, qi, dh);
                lse[bh * len + i] = m + (float) Math.log(l);
            }
        }
    }

    static void backward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, float[] dO,
                         float[] dq, float[] dk, float[] dv, int from, int to) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = padded(len);
        float scale = s.scale();
        // kT, vT: transposed inputs; dkT, dvT: transposed gradient accumulators; pRows, dsRows: P and dS of a query block
        float[] kT = new float[dh * lp], vT = new float[dh * lp], dkT = new float[dh * lp], dvT = new float[dh * lp];
        float[] pRows = new float[QUERY_BLOCK * lp], dsRows = new float[QUERY_BLOCK * lp];
        for (int bh = from; bh < to; bh++) {
            int base = CpuAttention.base(s, bh);
            transpose(k, base, w, len, dh, kT, lp);
            transpose(v, base, w, len, dh, vT, lp);
            java.util.Arrays.fill(dkT, 0f);
            java.util.Arrays.fill(dvT, 0f);
            for (int i0 = 0; i0 < len; i0 += QUERY_BLOCK) {
                int qn = Math.min(QUERY_BLOCK, len - i0);
                for (int r = 0; r < qn; r++) {
                    int qi = base + (i0 + r) * w;
                    float di = 0f;
                    for (int d = 0; d < dh; d++) di += dO[qi + d] * o[qi + d];
                    probabilities(q, dO, qi, kT, vT, lp, len, dh, scale, lse[bh * len + i0 + r], di, pRows, dsRows, r * lp);
                    weightedRowSum(k, base, w, dsRows, r * lp, len, scale, dq, qi, dh);
                }
                if (qn == QUERY_BLOCK) accumulateTransposed4(q, dO, base + i0 * w, w, dsRows, pRows, lp, dh, dkT, dvT);
                else for (int r = 0; r < qn; r++) accumulateTransposed(q, dO, base + (i0 + r) * w, dsRows, pRows, r * lp, lp, dh, dkT, dvT);
            }
            for (int j = 0; j < len; j++) {
                int kj = base + j * w;
                for (int d = 0; d < dh; d++) {
                    dk[kj + d] = scale * dkT[d * lp + j];
                    dv[kj + d] = dvT[d * lp + j];
                }
            }
        }
    }

    // ---- phases ------------------------------------------------------------------------------
    /**
     * Scores {@code s_j = scale·q_i·k_j} of keys {@code j0 + [0, jn)} into {@code sRow} (−∞ on padding
     * lanes), and when {@code tq} is not null their tangents {@code ds_j = scale·(tq_i·k_j + q_i·tk_j)} into
     * {@code dsRow}. Returns the block's max score.
     */
    private static float scores(float[] q, float[] tq, int qi, float[] kT, float[] tkT, int lp, int j0, int jn, int dh,
                                float scale, float[] sRow, float[] dsRow) {
        FloatVector zero = FloatVector.zero(S), vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int jj = 0;
        if (tq == null) {
            for (; jj < jn; jj += 2 * VL) {
                FloatVector s0 = zero, s1 = zero;
                int kd = j0 + jj;
                boolean two = jj + VL < jn;
                if (two) {
                    for (int d = 0; d < dh; d++, kd += lp) {
                        FloatVector qd = bc(q[qi + d]);
                        s0 = FloatVector.fromArray(S, kT, kd).fma(qd, s0);
                        s1 = FloatVector.fromArray(S, kT, kd + VL).fma(qd, s1);
                    }
                } else {
                    for (int d = 0; d < dh; d++, kd += lp) s0 = FloatVector.fromArray(S, kT, kd).fma(bc(q[qi + d]), s0);
                }
                vmax = vmax.max(store(s0.mul(scale), jj, jn, sRow));
                if (two) vmax = vmax.max(store(s1.mul(scale), jj + VL, jn, sRow));
            }
            return vmax.reduceLanes(VectorOperators.MAX);
        }
        for (; jj < jn; jj += 2 * VL) {
            // two key vectors per pass, tq·k and q·tk in separate chains: six independent FMA chains
            FloatVector s0 = zero, s1 = zero, a0 = zero, a1 = zero, b0 = zero, b1 = zero;
            int kd = j0 + jj;
            boolean two = jj + VL < jn;
            if (two) {
                for (int d = 0; d < dh; d++, kd += lp) {
                    FloatVector qd = bc(q[qi + d]), tqd = bc(tq[qi + d]);
                    FloatVector k0 = FloatVector.fromArray(S, kT, kd), k1 = FloatVector.fromArray(S, kT, kd + VL);
                    s0 = k0.fma(qd, s0);
                    s1 = k1.fma(qd, s1);
                    a0 = k0.fma(tqd, a0);
                    a1 = k1.fma(tqd, a1);
                    b0 = FloatVector.fromArray(S, tkT, kd).fma(qd, b0);
                    b1 = FloatVector.fromArray(S, tkT, kd + VL).fma(qd, b1);
                }
            } else {
                for (int d = 0; d < dh; d++, kd += lp) {
                    FloatVector qd = bc(q[qi + d]), k0 = FloatVector.fromArray(S, kT, kd);
                    s0 = k0.fma(qd, s0);
                    a0 = k0.fma(bc(tq[qi + d]), a0);
                    b0 = FloatVector.fromArray(S, tkT, kd).fma(qd, b0);
                }
            }
            vmax = vmax.max(store(s0.mul(scale), jj, jn, sRow));
            a0.add(b0).mul(scale).intoArray(dsRow, jj);
            if (two) {
                vmax = vmax.max(store(s1.mul(scale), jj + VL, jn, sRow));
                a1.add(b1).mul(scale).intoArray(dsRow, jj + VL);
            }
        }
        return vmax.reduceLanes(VectorOperators.MAX);
    }

    /** Stores {@code sv} at {@code row[jj]} with lanes at or past {@code jn} set to −∞; returns what it stored. */
    private static FloatVector store(FloatVector sv, int jj, int jn, float[] row) {
        if (jj + VL > jn) sv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY).blend(sv, S.indexInRange(jj, jn));
        sv.intoArray(row, jj);
        return sv;
    }

    /**
     * {@code p_j = exp(s_j − m)} in place of the scores; with {@code dsRow}, also {@code p_j·ds_j} in place
     * of the score tangents and their sum into {@code muOut[0]}. Returns {@code Σ p_j}.
     */
    private static float exp(float[] sRow, float[] dsRow, int jn, float m, float[] muOut) {
        FloatVector vsum = FloatVector.zero(S), vmu = FloatVector.zero(S);
        for (int jj = 0; jj < jn; jj += VL) {
            FloatVector p = FloatVector.fromArray(S, sRow, jj).sub(m).lanewise(VectorOperators.EXP);
            p.intoArray(sRow, jj);
            vsum = vsum.add(p);
            if (dsRow != null) {
                FloatVector pds = p.mul(FloatVector.fromArray(S, dsRow, jj));
                pds.intoArray(dsRow, jj);
                vmu = vmu.add(pds);
            }
        }
        if (dsRow != null) muOut[0] = vmu.reduceLanes(VectorOperators.ADD);
        return vsum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Over {@code Dh}: {@code acc = acc·corr + Σ_j p_j v_j} and, with {@code tv},
     * {@code accT = accT·corr + Σ_j (pds_j v_j + p_j tv_j)}; {@code v}'s row {@code j} starts at {@code vb + j·w}.
     */
    private static void accumulate(float[] v, float[] tv, int vb, int w, float[] pRow, float[] pdsRow, int jn, float corr,
                                   float[] acc, float[] accT, int dh) {
        int d = 0, dEnd = S.loopBound(dh);
        FloatVector zero = FloatVector.zero(S);
        if (tv == null) {
            for (; d < dEnd; d += 2 * VL) {
                boolean two = d + VL < dEnd;
                FloatVector a0 = FloatVector.fromArray(S, acc, d).mul(corr), a1 = two ? FloatVector.fromArray(S, acc, d + VL).mul(corr) : zero;
                if (two) {
                    for (int j = 0, vj = vb + d; j < jn; j++, vj += w) {
                        FloatVector p = bc(pRow[j]);
                        a0 = FloatVector.fromArray(S, v, vj).fma(p, a0);
                        a1 = FloatVector.fromArray(S, v, vj + VL).fma(p, a1);
                    }
                    a1.intoArray(acc, d + VL);
                } else {
                    for (int j = 0, vj = vb + d; j < jn; j++, vj += w) a0 = FloatVector.fromArray(S, v, vj).fma(bc(pRow[j]), a0);
                }
                a0.intoArray(acc, d);
            }
            for (d = dEnd; d < dh; d++) {
                float a = acc[d] * corr;
                for (int j = 0, vj = vb + d; j < jn; j++, vj += w) a += pRow[j] * v[vj];
                acc[d] = a;
            }
            return;
        }
        for (; d + VL < dEnd; d += 2 * VL) {
            // two Dh vectors per pass sharing the broadcasts; six chains: p·v, pds·v, p·tv for each
            FloatVector a0 = FloatVector.fromArray(S, acc, d).mul(corr), a1 = FloatVector.fromArray(S, acc, d + VL).mul(corr);
            FloatVector t0 = FloatVector.fromArray(S, accT, d).mul(corr), t1 = FloatVector.fromArray(S, accT, d + VL).mul(corr);
            FloatVector u0 = zero, u1 = zero;
            for (int j = 0, vj = vb + d; j < jn; j++, vj += w) {
                FloatVector p = bc(pRow[j]), pds = bc(pdsRow[j]);
                FloatVector v0 = FloatVector.fromArray(S, v, vj), v1 = FloatVector.fromArray(S, v, vj + VL);
                a0 = v0.fma(p, a0);
                a1 = v1.fma(p, a1);
                t0 = v0.fma(pds, t0);
                t1 = v1.fma(pds, t1);
                u0 = FloatVector.fromArray(S, tv, vj).fma(p, u0);
                u1 = FloatVector.fromArray(S, tv, vj + VL).fma(p, u1);
            }
            a0.intoArray(acc, d);
            a1.intoArray(acc, d + VL);
            t0.add(u0).intoArray(accT, d);
            t1.add(u1).intoArray(accT, d + VL);
        }
        for (; d < dEnd; d += VL) {
            // three chains per Dh vector: p·v, pds·v, p·tv
            FloatVector a = FloatVector.fromArray(S, acc, d).mul(corr);
            FloatVector t = FloatVector.fromArray(S, accT, d).mul(corr), u = zero;
            for (int j = 0, vj = vb + d; j < jn; j++, vj += w) {
                FloatVector vv = FloatVector.fromArray(S, v, vj), p = bc(pRow[j]);
                a = vv.fma(p, a);
                t = vv.fma(bc(pdsRow[j]), t);
                u = FloatVector.fromArray(S, tv, vj).fma(p, u);
            }
            a.intoArray(acc, d);
            t.add(u).intoArray(accT, d);
        }
        for (; d < dh; d++) {
            float a = acc[d] * corr, at = accT[d] * corr;
            for (int j = 0, vj = vb + d; j < jn; j++, vj += w) {
                a += pRow[j] * v[vj];
                at += pdsRow[j] * v[vj] + pRow[j] * tv[vj];
            }
            acc[d] = a;
            accT[d] = at;
        }
    }

    /** {@code out[oi + d] = scale · Σ_j c_j x_j[d]} (the backward's {@code dq_i}); rows of x start at {@code xb + j·w}. */
    private static void weightedRowSum(float[] x, int xb, int w, float[] cRow, int c0, int jn, float scale, float[] out, int oi, int dh) {
        int d = 0, dEnd = S.loopBound(dh);
        FloatVector zero = FloatVector.zero(S);
        for (; d < dEnd; d += 2 * VL) {
            boolean two = d + VL < dEnd;
            FloatVector a0 = zero, a1 = zero;
            if (two) {
                for (int j = 0, xj = xb + d; j < jn; j++, xj += w) {
                    FloatVector c = bc(cRow[c0 + j]);
                    a0 = FloatVector.fromArray(S, x, xj).fma(c, a0);
                    a1 = FloatVector.fromArray(S, x, xj + VL).fma(c, a1);
                }
                a1.mul(scale).intoArray(out, oi + d + VL);
            } else {
                for (int j = 0, xj = xb + d; j < jn; j++, xj += w) a0 = FloatVector.fromArray(S, x, xj).fma(bc(cRow[c0 + j]), a0);
            }
            a0.mul(scale).intoArray(out, oi + d);
        }
        for (d = dEnd; d < dh; d++) {
            float a = 0f;
            for (int j = 0, xj = xb + d; j < jn; j++, xj += w) a += cRow[c0 + j] * x[xj];
            out[oi + d] = scale * a;
        }
    }

    /** {@code o = acc / l} and, with {@code accT}, {@code to = accT / l − (mu / l)·o}. */
    private static void finish(float[] acc, float[] accT, float l, float mu, float[] o, float[] to, int qi, int dh) {
        float inv = 1f / l, muN = mu * inv;
        int d = 0, dEnd = S.loopBound(dh);
        for (; d < dEnd; d += VL) {
            FloatVector od = FloatVector.fromArray(S, acc, d).mul(inv);
            od.intoArray(o, qi + d);
            if (accT != null) FloatVector.fromArray(S, accT, d).mul(inv).sub(od.mul(muN)).intoArray(to, qi + d);
        }
        for (; d < dh; d++) {
            float od = acc[d] * inv;
            o[qi + d] = od;
            if (accT != null) to[qi + d] = accT[d] * inv - muN * od;
        }
    }

    /**
     * One query row of the backward: {@code P_j = exp(scale·q_i·k_j − lse_i)} into {@code pRow} and
     * {@code dS_j = P_j (dO_i·v_j − D_i)} into {@code dsRow}, both zero on the padding.
     */
    private static void probabilities(float[] q, float[] dO, int qi, float[] kT, float[] vT, int lp, int len, int dh,
                                      float scale, float lse, float di, float[] pRow, float[] dsRow, int r0) {
        FloatVector zero = FloatVector.zero(S);
        for (int jj = 0; jj < len; jj += 2 * VL) {
            boolean two = jj + VL < len;
            FloatVector s0 = zero, s1 = zero, g0 = zero, g1 = zero;
            int kd = jj;
            if (two) {
                for (int d = 0; d < dh; d++, kd += lp) {
                    FloatVector qd = bc(q[qi + d]), gd = bc(dO[qi + d]);
                    s0 = FloatVector.fromArray(S, kT, kd).fma(qd, s0);
                    s1 = FloatVector.fromArray(S, kT, kd + VL).fma(qd, s1);
                    g0 = FloatVector.fromArray(S, vT, kd).fma(gd, g0);
                    g1 = FloatVector.fromArray(S, vT, kd + VL).fma(gd, g1);
                }
            } else {
                for (int d = 0; d < dh; d++, kd += lp) {
                    s0 = FloatVector.fromArray(S, kT, kd).fma(bc(q[qi + d]), s0);
                    g0 = FloatVector.fromArray(S, vT, kd).fma(bc(dO[qi + d]), g0);
                }
            }
            probabilities(s0, g0, scale, lse, di, jj, len, pRow, dsRow, r0);
            if (two) probabilities(s1, g1, scale, lse, di, jj + VL, len, pRow, dsRow, r0);
        }
    }

    private static void probabilities(FloatVector sv, FloatVector dpv, float scale, float lse, float di, int jj, int len,
                                      float[] pRow, float[] dsRow, int r0) {
        FloatVector p = sv.mul(scale).sub(lse).lanewise(VectorOperators.EXP);
        if (jj + VL > len) p = FloatVector.zero(S).blend(p, S.indexInRange(jj, len));
        p.intoArray(pRow, r0 + jj);
        dpv.sub(di).mul(p).intoArray(dsRow, r0 + jj);
    }

    /** {@code dkT[d, j] += dS_j q_i[d]} (scale applied later) and {@code dvT[d, j] += P_j dO_i[d]}, over the padded row at {@code r0}. */
    private static void accumulateTransposed(float[] q, float[] dO, int qi, float[] dsRow, float[] pRow, int r0, int lp, int dh,
                                             float[] dkT, float[] dvT) {
        for (int d = 0; d < dh; d++) {
            FloatVector qd = bc(q[qi + d]), gd = bc(dO[qi + d]);
            for (int jj = 0, off = d * lp; jj < lp; jj += VL, off += VL) {
                FloatVector.fromArray(S, dsRow, r0 + jj).fma(qd, FloatVector.fromArray(S, dkT, off)).intoArray(dkT, off);
                FloatVector.fromArray(S, pRow, r0 + jj).fma(gd, FloatVector.fromArray(S, dvT, off)).intoArray(dvT, off);
            }
        }
    }

    /** The same for four query rows at once (rows at {@code qi0 + r·w}): one load and store of {@code dkT, dvT} per four FMAs. */
    private static void accumulateTransposed4(float[] q, float[] dO, int qi0, int w, float[] dsRows, float[] pRows, int lp, int dh,
                                              float[] dkT, float[] dvT) {
        int r1 = lp, r2 = 2 * lp, r3 = 3 * lp;
        for (int d = 0; d < dh; d++) {
            int qi = qi0 + d;
            FloatVector q0 = bc(q[qi]), q1 = bc(q[qi + w]), q2 = bc(q[qi + 2 * w]), q3 = bc(q[qi + 3 * w]);
            FloatVector g0 = bc(dO[qi]), g1 = bc(dO[qi + w]), g2 = bc(dO[qi + 2 * w]), g3 = bc(dO[qi + 3 * w]);
            for (int jj = 0, off = d * lp; jj < lp; jj += VL, off += VL) {
                FloatVector a = FloatVector.fromArray(S, dkT, off);
                a = FloatVector.fromArray(S, dsRows, jj).fma(q0, a);
                a = FloatVector.fromArray(S, dsRows, r1 + jj).fma(q1, a);
                a = FloatVector.fromArray(S, dsRows, r2 + jj).fma(q2, a);
                a = FloatVector.fromArray(S, dsRows, r3 + jj).fma(q3, a);
                a.intoArray(dkT, off);
                FloatVector b = FloatVector.fromArray(S, dvT, off);
                b = FloatVector.fromArray(S, pRows, jj).fma(g0, b);
                b = FloatVector.fromArray(S, pRows, r1 + jj).fma(g1, b);
                b = FloatVector.fromArray(S, pRows, r2 + jj).fma(g2, b);
                b = FloatVector.fromArray(S, pRows, r3 + jj).fma(g3, b);
                b.intoArray(dvT, off);
            }
        }
    }

    // ---- helpers -----------------------------------------------------------------------------
    private static FloatVector bc(float x) { return FloatVector.broadcast(S, x); }

    private static int padded(int len) { return (len + VL - 1) / VL * VL; }

    /** {@code xT[d·lp + j] = x[base + j·w + d]} for {@code j < len}; the padding stays as it was (zero). */
    private static void transpose(float[] x, int base, int w, int len, int dh, float[] xT, int lp) {
        for (int j = 0; j < len; j++) {
            int xj = base + j * w;
            for (int d = 0; d < dh; d++) xT[d * lp + j] = x[xj + d];
        }
    }
}
