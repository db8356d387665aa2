package imfengine.backend.cpu;

import imfengine.backend.AttentionSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of {@link CpuAttention}'s loops (same math, same layout). Per (batch, head) pair,
 * {@code k} (and {@code tk}, and in the backward {@code v}) is first copied transposed into a
 * {@code [Dh, Lp]} scratch, {@code Lp} = L rounded up to the vector length and zero padded, so a
 * query's scores against {@code VL} keys are {@code Dh} broadcast-FMAs with no horizontal sums.
 * Products with {@code v} are vectorised over {@code Dh} instead (row-major {@code v} rows; scalar tail).
 * The online softmax runs over key blocks of {@link #KEY_BLOCK}: one block's scores live in a
 * per-thread scratch row, and accumulators are rescaled between blocks.
 */
final class AttentionSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Keys per online-softmax block (a multiple of every vector length). */
    static final int KEY_BLOCK = 128;

    private AttentionSimd() {}

    private static FloatVector bc(float x) { return FloatVector.broadcast(S, x); }

    private static int padded(int len) { return (len + VL - 1) / VL * VL; }

    /** {@code xT[d·lp + j] = x[base + j·w + d]} for {@code j < len}; the padding stays as it was (zero). */
    private static void transpose(float[] x, int base, int w, int len, int dh, float[] xT, int lp) {
        for (int j = 0; j < len; j++) {
            int xj = base + j * w;
            for (int d = 0; d < dh; d++) xT[d * lp + j] = x[xj + d];
        }
    }

    static void forward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, int from, int to) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = padded(len), dEnd = S.loopBound(dh);
        float scale = s.scale();
        float[] kT = new float[dh * lp], sRow = new float[KEY_BLOCK], acc = new float[dh];
        FloatVector negInf = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int bh = from; bh < to; bh++) {
            int base = CpuAttention.base(s, bh);
            transpose(k, base, w, len, dh, kT, lp);
            for (int i = 0; i < len; i++) {
                int qi = base + i * w;
                float m = Float.NEGATIVE_INFINITY, l = 0f;
                java.util.Arrays.fill(acc, 0f);
                for (int j0 = 0; j0 < len; j0 += KEY_BLOCK) {
                    int jn = Math.min(KEY_BLOCK, len - j0);
                    // scores of this block, padding lanes at −∞
                    FloatVector vmax = negInf;
                    for (int jj = 0; jj < jn; jj += VL) {
                        FloatVector sv = FloatVector.zero(S);
                        for (int d = 0, kd = j0 + jj; d < dh; d++, kd += lp)
                            sv = FloatVector.fromArray(S, kT, kd).fma(bc(q[qi + d]), sv);
                        sv = sv.mul(scale);
                        if (jj + VL > jn) sv = negInf.blend(sv, S.indexInRange(jj, jn));
                        sv.intoArray(sRow, jj);
                        vmax = vmax.max(sv);
                    }
                    float mNew = Math.max(m, vmax.reduceLanes(VectorOperators.MAX));
                    float corr = (float) Math.exp(m - mNew);
                    FloatVector vsum = FloatVector.zero(S);
                    for (int jj = 0; jj < jn; jj += VL) {
                        FloatVector p = FloatVector.fromArray(S, sRow, jj).sub(mNew).lanewise(VectorOperators.EXP);
                        p.intoArray(sRow, jj);
                        vsum = vsum.add(p);
                    }
                    l = l * corr + vsum.reduceLanes(VectorOperators.ADD);
                    m = mNew;
                    // acc = acc·corr + Σ_j p_j v_j, over Dh
                    int d = 0;
                    for (; d < dEnd; d += VL) {
                        FloatVector a = FloatVector.fromArray(S, acc, d).mul(corr);
                        for (int j = 0, vj = base + j0 * w + d; j < jn; j++, vj += w)
                            a = FloatVector.fromArray(S, v, vj).fma(bc(sRow[j]), a);
                        a.intoArray(acc, d);
                    }
                    for (; d < dh; d++) {
                        float a = acc[d] * corr;
                        for (int j = 0, vj = base + j0 * w + d; j < jn; j++, vj += w) a += sRow[j] * v[vj];
                        acc[d] = a;
                    }
                }
                float inv = 1f / l;
                int d = 0;
                for (; d < dEnd; d += VL) FloatVector.fromArray(S, acc, d).mul(inv).intoArray(o, qi + d);
                for (; d < dh; d++) o[qi + d] = acc[d] * inv;
                lse[bh * len + i] = m + (float) Math.log(l);
            }
        }
    }

    static void dual(AttentionSpec s, float[] q, float[] tq, float[] k, float[] tk, float[] v, float[] tv,
                     float[] o, float[] to, float[] lse, int from, int until) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = padded(len), dEnd = S.loopBound(dh);
        float scale = s.scale();
        float[] kT = new float[dh * lp], tkT = new float[dh * lp];
        float[] pRow = new float[KEY_BLOCK], pdsRow = new float[KEY_BLOCK], acc = new float[dh], accT = new float[dh];
        FloatVector negInf = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
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
                    // scores s (pRow) and their tangents ds (pdsRow); padding: s = −∞, ds = 0 (kT, tkT padded with 0)
                    FloatVector vmax = negInf;
                    for (int jj = 0; jj < jn; jj += VL) {
                        FloatVector sv = FloatVector.zero(S), dsv = FloatVector.zero(S);
                        for (int d = 0, kd = j0 + jj; d < dh; d++, kd += lp) {
                            FloatVector kv = FloatVector.fromArray(S, kT, kd);
                            float qd = q[qi + d];
                            sv = kv.fma(bc(qd), sv);
                            dsv = kv.fma(bc(tq[qi + d]), dsv);
                            dsv = FloatVector.fromArray(S, tkT, kd).fma(bc(qd), dsv);
                        }
                        sv = sv.mul(scale);
                        if (jj + VL > jn) sv = negInf.blend(sv, S.indexInRange(jj, jn));
                        sv.intoArray(pRow, jj);
                        dsv.mul(scale).intoArray(pdsRow, jj);
                        vmax = vmax.max(sv);
                    }
                    float mNew = Math.max(m, vmax.reduceLanes(VectorOperators.MAX));
                    float corr = (float) Math.exp(m - mNew);
                    FloatVector vsum = FloatVector.zero(S), vmu = FloatVector.zero(S);
                    for (int jj = 0; jj < jn; jj += VL) {
                        FloatVector p = FloatVector.fromArray(S, pRow, jj).sub(mNew).lanewise(VectorOperators.EXP);
                        FloatVector pds = p.mul(FloatVector.fromArray(S, pdsRow, jj));
                        p.intoArray(pRow, jj);
                        pds.intoArray(pdsRow, jj);
                        vsum = vsum.add(p);
                        vmu = vmu.add(pds);
                    }
                    l = l * corr + vsum.reduceLanes(VectorOperators.ADD);
                    mu = mu * corr + vmu.reduceLanes(VectorOperators.ADD);
                    m = mNew;
                    // acc = acc·corr + Σ_j p_j v_j;  accT = accT·corr + Σ_j (p_j ds_j v_j + p_j tv_j)
                    int d = 0;
                    for (; d < dEnd; d += VL) {
                        FloatVector a = FloatVector.fromArray(S, acc, d).mul(corr);
                        FloatVector at = FloatVector.fromArray(S, accT, d).mul(corr);
                        for (int j = 0, vj = base + j0 * w + d; j < jn; j++, vj += w) {
                            FloatVector vv = FloatVector.fromArray(S, v, vj);
                            float p = pRow[j];
                            a = vv.fma(bc(p), a);
                            at = vv.fma(bc(pdsRow[j]), at);
                            at = FloatVector.fromArray(S, tv, vj).fma(bc(p), at);
                        }
                        a.intoArray(acc, d);
                        at.intoArray(accT, d);
                    }
                    for (; d < dh; d++) {
                        float a = acc[d] * corr, at = accT[d] * corr;
                        for (int j = 0, vj = base + j0 * w + d; j < jn; j++, vj += w) {
                            a += pRow[j] * v[vj];
                            at += pdsRow[j] * v[vj] + pRow[j] * tv[vj];
                        }
                        acc[d] = a;
                        accT[d] = at;
                    }
                }
                float inv = 1f / l, muN = mu * inv;
                int d = 0;
                for (; d < dEnd; d += VL) {
                    FloatVector od = FloatVector.fromArray(S, acc, d).mul(inv);
                    od.intoArray(o, qi + d);
                    FloatVector.fromArray(S, accT, d).mul(inv).sub(od.mul(muN)).intoArray(to, qi + d);
                }
                for (; d < dh; d++) {
                    float od = acc[d] * inv;
                    o[qi + d] = od;
                    to[qi + d] = accT[d] * inv - muN * od;
                }
                lse[bh * len + i] = m + (float) Math.log(l);
            }
        }
    }

    static void backward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, float[] dO,
                         float[] dq, float[] dk, float[] dv, int from, int to) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = padded(len), dEnd = S.loopBound(dh);
        float scale = s.scale();
        // kT, vT: transposed inputs; dkT, dvT: transposed gradient accumulators; pRow, dsRow: one query's P and dS
        float[] kT = new float[dh * lp], vT = new float[dh * lp], dkT = new float[dh * lp], dvT = new float[dh * lp];
        float[] pRow = new float[lp], dsRow = new float[lp];
        FloatVector zero = FloatVector.zero(S);
        for (int bh = from; bh < to; bh++) {
            int base = CpuAttention.base(s, bh);
            transpose(k, base, w, len, dh, kT, lp);
            transpose(v, base, w, len, dh, vT, lp);
            java.util.Arrays.fill(dkT, 0f);
            java.util.Arrays.fill(dvT, 0f);
            for (int i = 0; i < len; i++) {
                int qi = base + i * w;
                float di = 0f;
                for (int d = 0; d < dh; d++) di += dO[qi + d] * o[qi + d];
                float lsei = lse[bh * len + i];
                // P_ij = exp(s_ij − lse_i) and dS_ij = P_ij (dO_i·v_j − D_i), zero on the padding
                for (int jj = 0; jj < lp; jj += VL) {
                    FloatVector sv = zero, dpv = zero;
                    for (int d = 0, kd = jj; d < dh; d++, kd += lp) {
                        sv = FloatVector.fromArray(S, kT, kd).fma(bc(q[qi + d]), sv);
                        dpv = FloatVector.fromArray(S, vT, kd).fma(bc(dO[qi + d]), dpv);
                    }
                    FloatVector p = sv.mul(scale).sub(lsei).lanewise(VectorOperators.EXP);
                    if (jj + VL > len) p = zero.blend(p, S.indexInRange(jj, len));
                    p.intoArray(pRow, jj);
                    dpv.sub(di).mul(p).intoArray(dsRow, jj);
                }
                // dq_i = scale Σ_j dS_ij k_j, over Dh
                int d = 0;
                for (; d < dEnd; d += VL) {
                    FloatVector a = zero;
                    for (int j = 0, kj = base + d; j < len; j++, kj += w) a = FloatVector.fromArray(S, k, kj).fma(bc(dsRow[j]), a);
                    a.mul(scale).intoArray(dq, qi + d);
                }
                for (; d < dh; d++) {
                    float a = 0f;
                    for (int j = 0, kj = base + d; j < len; j++, kj += w) a += dsRow[j] * k[kj];
                    dq[qi + d] = scale * a;
                }
                // dkT[d, j] += dS_ij q_i[d] (scale applied at the end);  dvT[d, j] += P_ij dO_i[d]
                for (d = 0; d < dh; d++) {
                    float qd = q[qi + d], gd = dO[qi + d];
                    for (int jj = 0, off = d * lp; jj < lp; jj += VL, off += VL) {
                        FloatVector.fromArray(S, dsRow, jj).fma(bc(qd), FloatVector.fromArray(S, dkT, off)).intoArray(dkT, off);
                        FloatVector.fromArray(S, pRow, jj).fma(bc(gd), FloatVector.fromArray(S, dvT, off)).intoArray(dvT, off);
                    }
                }
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
}
