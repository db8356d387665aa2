package imfengine.backend.cpu;

import imfengine.backend.AttentionSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static imfengine.backend.cpu.VectorMath.X1;
import static imfengine.backend.cpu.VectorMath.X2;
import static imfengine.backend.cpu.VectorMath.X4;
import static imfengine.backend.cpu.VectorMath.X8;

import static jdk.incubator.vector.FloatVector.broadcast;
import static jdk.incubator.vector.FloatVector.zero;

/**
 * Vector API versions of {@link CpuAttention}'s loops (same math, same layout), working on
 * {@link #ROWS} query rows at a time so that every load of a key or value row feeds four rows' FMAs
 * (one row at a time, the kernels were load bound at ~40 GFLOP/s).
 * <p>
 * Per (batch, head) pair, {@code k} (and {@code tk}; in the backward also {@code v}) is first packed
 * into a scratch of key vectors ({@link #packKeys}: VL keys × {@code Dh}, zero padded to {@code Lp} = L
 * rounded up to the vector length), so the scores of four queries against {@code VL} keys are {@code Dh}
 * steps of one load and four broadcast-FMAs with no horizontal sums. A query group's whole score rows
 * ({@code 4·Lp} floats) stay in a per-thread scratch, so the softmax takes three passes over them (maxima,
 * exponentials, sums; {@link #softmax}) instead of the scalar reference's online rescaling. Products with {@code v} (and
 * {@code k} for dQ) are vectorised over {@code Dh} from a copy packed by {@link #packValues} (scalar tail
 * for {@code Dh} not a multiple of the vector length). Both packings make every vector load's index
 * {@code start + step·VL}: with a constant stride C2 checks the range once before the loop instead of
 * at every load, which is what lets two vectors per pass (eight FMA chains) pay off.
 * The last group of a head repeats its last row to fill four: repeated rows compute and store the
 * same values. The backward keeps each real row's {@code P} and {@code dS}, and once the head's rows are
 * done, sums {@code dK, dV} over them with the accumulators in registers ({@link #keyGradients}).
 * <p>
 * Each phase is its own small method that takes arrays and scalars only: with phases inline in one
 * large method body C2 stopped inlining the Vector API calls and boxed the vectors (~8× slower).
 * <p>
 * With 32 vector registers (AVX-512, {@link #PAIRED_D}) the phases take more vectors per pass, so that each
 * load or broadcast feeds more FMAs: scores and values four vectors (scores five where five are all a head has: {@link #scoresFive}), tangent scores and values
 * two, the key gradients 24 accumulators (twelve keys × two {@code Dh} vectors, or six × four: backward 0.95× the
 * time at xs and s, `tools/attention-ab.sh`). Every sum keeps its order, so the bits are those of the narrower passes.
 */
final class AttentionSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Query rows handled together. */
    static final int ROWS = 4;
    /**
     * Whether scores and values take four vectors per pass and the dual's tangent scores and values two: with 32
     * vector registers (AVX-512); with 16 the accumulators would spill.
     */
    private static final boolean PAIRED_D = VL >= 16;

    private AttentionSimd() {}

    /**
     * A thread's packed operands and score rows, kept from call to call and grown on demand; what they hold between
     * calls is unspecified (every kernel writes what it reads). Fresh arrays for each call (~90 KB for the xs
     * backward's range) made the step's attention backward run at two speeds from one JVM to the next on the Intel
     * Xeon: 44–53 or 79–90 ms a step, the slow runs' extra time spent allocating (JFR, 2026-12-03).
     */
    static final class Scratch {
        private final float[][] arrays = new float[9][];
        /** What {@link NextHeadLoads} read, stored once a call so that the JIT keeps the loads. */
        float touched;

        /** Slot {@code slot}'s array, at least {@code length} floats long. */
        float[] get(int slot, int length) {
            float[] a = arrays[slot];
            if (a == null || a.length < length) arrays[slot] = a = new float[length];
            return a;
        }

        /** Tests: fills every array with NaN, so a kernel that reads scratch it did not write gives NaN. */
        void poison() {
            for (float[] a : arrays) if (a != null) java.util.Arrays.fill(a, Float.NaN);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** This thread's scratch. */
    static Scratch scratch() { return SCRATCH.get(); }

    // ---- kernels -----------------------------------------------------------------------------
    static void forward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, int from, int to) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = padded(len);
        Scratch sc = scratch();
        float[] kB = sc.get(0, dh * lp), vR = sc.get(1, len * dh), p = sc.get(2, ROWS * lp), next = sc.get(3, ROWS * lp), inv = new float[ROWS];
        float[] mx = new float[ROWS], sums = new float[ROWS];
        int[] rows = new int[ROWS], nextRows = new int[ROWS];
        float touched = 0f;
        for (int bh = from; bh < to; bh++) {
            int base = CpuAttention.base(s, bh);
            packKeys(k, base, w, len, dh, kB);
            packValues(v, base, w, len, dh, vR);
            queryRows(base, w, 0, len, rows);
            scores(q, rows, kB, lp, len, dh, s.scale(), Float.NEGATIVE_INFINITY, p);
            for (int i0 = 0; i0 < len; i0 += ROWS) {
                softmax(p, 0, lp, 1f, mx, sums);
                // the next group's scores here, between the softmax and the values that wait for it: work the core can
                // run while the softmax's chain of latencies (maxima, exponentials, lane sums) completes
                if (i0 + ROWS < len) {
                    queryRows(base, w, i0 + ROWS, len, nextRows);
                    scores(q, nextRows, kB, lp, len, dh, s.scale(), Float.NEGATIVE_INFINITY, next);
                }
                for (int r = 0; r < ROWS; r++) {
                    inv[r] = 1f / sums[r];
                    if (i0 + r < len) lse[bh * len + i0 + r] = mx[r] + (float) Math.log(sums[r]);
                }
                values(v, vR, base, w, rows, p, lp, len, dh, inv, o);
                if (bh + 1 < to) touched += NextHeadLoads.rows(CpuAttention.base(s, bh + 1), w, i0, ROWS, len, dh, q, k, v, o);
                float[] t = p; p = next; next = t;
                int[] tr = rows; rows = nextRows; nextRows = tr;
            }
        }
        sc.touched = touched;
    }

    static void dual(AttentionSpec s, float[] q, float[] tq, float[] k, float[] tk, float[] v, float[] tv,
                     float[] o, float[] to, float[] lse, int from, int until) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = padded(len);
        Scratch sc = scratch();
        float[] kB = sc.get(0, dh * lp), tkB = sc.get(1, dh * lp), vR = sc.get(2, len * dh), tvR = sc.get(3, len * dh);
        float[] p = sc.get(4, ROWS * lp), pds = sc.get(5, ROWS * lp), nextP = sc.get(6, ROWS * lp), nextPds = sc.get(7, ROWS * lp);
        float[] inv = new float[ROWS], mx = new float[ROWS], sums = new float[ROWS], mu = new float[ROWS];
        int[] rows = new int[ROWS], nextRows = new int[ROWS];
        float touched = 0f;
        for (int bh = from; bh < until; bh++) {
            int base = CpuAttention.base(s, bh);
            packKeys(k, base, w, len, dh, kB);
            packKeys(tk, base, w, len, dh, tkB);
            packValues(v, base, w, len, dh, vR);
            packValues(tv, base, w, len, dh, tvR);
            queryRows(base, w, 0, len, rows);
            scores(q, rows, kB, lp, len, dh, s.scale(), Float.NEGATIVE_INFINITY, p);
            tangentScores(q, tq, rows, kB, tkB, lp, dh, s.scale(), len, pds);
            for (int i0 = 0; i0 < len; i0 += ROWS) {
                softmax(p, 0, lp, 1f, mx, sums);
                if (i0 + ROWS < len) { // as in the forward: the next group's scores while the softmax completes
                    queryRows(base, w, i0 + ROWS, len, nextRows);
                    scores(q, nextRows, kB, lp, len, dh, s.scale(), Float.NEGATIVE_INFINITY, nextP);
                    tangentScores(q, tq, nextRows, kB, tkB, lp, dh, s.scale(), len, nextPds);
                }
                dots(p, pds, 0, lp, 2 * lp, 3 * lp, lp, mu);
                for (int r = 0; r < ROWS; r++) {
                    inv[r] = 1f / sums[r];
                    // μ = Σ P·ds; the tangent weights P(ds − μ) fold the softmax's −μ·o term into one sum
                    tangentWeights(p, pds, r * lp, lp, 1f, mu[r] * inv[r]);
                    if (i0 + r < len) lse[bh * len + i0 + r] = mx[r] + (float) Math.log(sums[r]);
                }
                values(v, vR, base, w, rows, p, lp, len, dh, inv, o);
                tangentValues(v, tv, vR, tvR, base, w, rows, p, pds, lp, len, dh, inv, to);
                if (bh + 1 < until) {
                    int next = CpuAttention.base(s, bh + 1);
                    touched += NextHeadLoads.rows(next, w, i0, ROWS, len, dh, q, k, v, o)
                            + NextHeadLoads.rows(next, w, i0, ROWS, len, dh, tq, tk, tv, to);
                }
                float[] t = p; p = nextP; nextP = t;
                t = pds; pds = nextPds; nextPds = t;
                int[] tr = rows; rows = nextRows; nextRows = tr;
            }
        }
        sc.touched = touched;
    }

    static void backward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, float[] dO,
                         float[] dq, float[] dk, float[] dv, int from, int to) {
        int len = s.length(), w = s.width(), dh = s.headDim(), lp = padded(len);
        float scale = s.scale();
        // kB, vB: keys and values packed for the scores, kR, qR, gR: k, q, dO packed for dQ, dK, dV; p, ds: P and dS
        // of a query group; pAll, dsAll: P and dS of the head's rows, for dK and dV once the rows are done
        Scratch sc = scratch();
        float[] kB = sc.get(0, dh * lp), vB = sc.get(1, dh * lp), kR = sc.get(2, len * dh), qR = sc.get(3, len * dh), gR = sc.get(4, len * dh);
        float[] p = sc.get(5, ROWS * lp), ds = sc.get(6, ROWS * lp), pAll = sc.get(7, len * lp), dsAll = sc.get(8, len * lp);
        float[] scales = new float[ROWS], dsum = new float[ROWS];
        java.util.Arrays.fill(scales, scale);
        int[] rows = new int[ROWS];
        float touched = 0f;
        for (int bh = from; bh < to; bh++) {
            int base = CpuAttention.base(s, bh);
            packKeys(k, base, w, len, dh, kB);
            packKeys(v, base, w, len, dh, vB);
            packValues(k, base, w, len, dh, kR);
            packValues(q, base, w, len, dh, qR);
            packValues(dO, base, w, len, dh, gR);
            for (int i0 = 0; i0 < len; i0 += ROWS) {
                queryRows(base, w, i0, len, rows);
                scores(q, rows, kB, lp, len, dh, scale, Float.NEGATIVE_INFINITY, p);
                scores(dO, rows, vB, lp, len, dh, 1f, 0f, ds);
                dots(dO, o, rows[0], rows[1], rows[2], rows[3], dh, dsum);
                for (int r = 0; r < ROWS; r++)
                    gradientWeights(p, ds, r * lp, lp, 1f, lse[bh * len + Math.min(i0 + r, len - 1)], dsum[r]);
                values(k, kR, base, w, rows, ds, lp, len, dh, scales, dq);
                int real = Math.min(ROWS, len - i0) * lp; // the group's rows past the head's last are repeats: not kept
                System.arraycopy(p, 0, pAll, i0 * lp, real);
                System.arraycopy(ds, 0, dsAll, i0 * lp, real);
                if (bh + 1 < to) {
                    int next = CpuAttention.base(s, bh + 1);
                    touched += NextHeadLoads.rows(next, w, i0, ROWS, len, dh, q, k, v, o)
                            + NextHeadLoads.rows(next, w, i0, ROWS, len, dh, dO, dq, dk, dv);
                }
            }
            keyGradients(q, qR, base, w, dsAll, lp, len, dh, scale, dk);
            keyGradients(dO, gR, base, w, pAll, lp, len, dh, 1f, dv);
        }
        sc.touched = touched;
    }

    // ---- phases ------------------------------------------------------------------------------
    /** {@code rows[r]} = offset of query row {@code min(i0 + r, len − 1)}. */
    static void queryRows(int base, int w, int i0, int len, int[] rows) {
        for (int r = 0; r < ROWS; r++) rows[r] = base + Math.min(i0 + r, len - 1) * w;
    }

    /**
     * {@code out[r·lp + j] = scale·x_r·y_j} for the four rows {@code x_r} at {@code rows[r]} and every key
     * {@code j} of {@code yB} (packed by {@link #packKeys}); lanes at or past {@code len} get {@code pad}.
     * Two key vectors per pass (eight FMA chains, so the FMA latency is covered) read with a constant
     * stride; the last key vector of an odd count gets a pass of its own. (Over keys transposed to
     * {@code [Dh, Lp]}, stride {@code lp}, two vectors per pass had measured ~2× slower than one.)
     */
    private static void scores(float[] x, int[] rows, float[] yB, int lp, int len, int dh, float scale, float pad, float[] out) {
        int jj = 0;
        if (PAIRED_D && lp / VL % 4 == 1 && lp >= 5 * VL) { // 5, 9, ... key vectors: one pass of five, no pass of one
            scoresFive(x, rows[0], rows[1], rows[2], rows[3], yB, dh, scale, pad, len, lp, out);
            jj = 5 * VL;
        }
        if (PAIRED_D) for (; jj + 3 * VL < lp; jj += 4 * VL) scoresQuad(x, rows[0], rows[1], rows[2], rows[3], yB, jj * dh, dh, scale, pad, jj, len, lp, out);
        for (; jj + VL < lp; jj += 2 * VL) scoresPair(x, rows[0], rows[1], rows[2], rows[3], yB, jj * dh, dh, scale, pad, jj, len, lp, out);
        if (jj < lp) scoresOne(x, rows[0], rows[1], rows[2], rows[3], yB, jj * dh, dh, scale, pad, jj, len, lp, out);
    }

    /**
     * Key vectors {@code jj} and {@code jj + VL} of {@link #scores}; {@code yo} = where vector {@code jj} starts in {@code yB}.
     * The scaled, padded stores are written out here and in {@link #scoresOne}: a store helper taking the four
     * vectors was left out of line by C2 in some JVMs, which then boxed them (11 GiB of heap per xs step).
     */
    private static void scoresPair(float[] x, int x0, int x1, int x2, int x3, float[] yB, int yo, int dh, float scale, float pad,
                                   int jj, int len, int lp, float[] out) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S);
        FloatVector e0 = zero(S), e1 = zero(S), e2 = zero(S), e3 = zero(S);
        int yo2 = yo + dh * VL;
        for (int d = 0; d < dh; d++) {
            FloatVector y0 = FloatVector.fromArray(S, yB, yo + d * VL), y1 = FloatVector.fromArray(S, yB, yo2 + d * VL);
            FloatVector b = broadcast(S, x[x0 + d]); a0 = y0.fma(b, a0); e0 = y1.fma(b, e0);
            b = broadcast(S, x[x1 + d]); a1 = y0.fma(b, a1); e1 = y1.fma(b, e1);
            b = broadcast(S, x[x2 + d]); a2 = y0.fma(b, a2); e2 = y1.fma(b, e2);
            b = broadcast(S, x[x3 + d]); a3 = y0.fma(b, a3); e3 = y1.fma(b, e3);
        }
        FloatVector padding = broadcast(S, pad), f = broadcast(S, scale);
        var valid = S.indexInRange(jj, len);
        padding.blend(a0.mul(f), valid).intoArray(out, jj);
        padding.blend(a1.mul(f), valid).intoArray(out, lp + jj);
        padding.blend(a2.mul(f), valid).intoArray(out, 2 * lp + jj);
        padding.blend(a3.mul(f), valid).intoArray(out, 3 * lp + jj);
        int j2 = jj + VL;
        var valid2 = S.indexInRange(j2, len);
        padding.blend(e0.mul(f), valid2).intoArray(out, j2);
        padding.blend(e1.mul(f), valid2).intoArray(out, lp + j2);
        padding.blend(e2.mul(f), valid2).intoArray(out, 2 * lp + j2);
        padding.blend(e3.mul(f), valid2).intoArray(out, 3 * lp + j2);
    }

    /**
     * Key vectors {@code jj} to {@code jj + 3·VL} of {@link #scores} in one pass: each broadcast of a query value
     * feeds four vectors' FMAs (8 loads per 16 FMAs instead of 6 per 8), each sum in the same order, so the bits
     * are those of {@link #scoresPair}. Sixteen accumulators: only with 32 vector registers ({@link #PAIRED_D}).
     */
    private static void scoresQuad(float[] x, int x0, int x1, int x2, int x3, float[] yB, int yo, int dh, float scale, float pad,
                                   int jj, int len, int lp, float[] out) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S), e0 = zero(S), e1 = zero(S), e2 = zero(S), e3 = zero(S);
        FloatVector g0 = zero(S), g1 = zero(S), g2 = zero(S), g3 = zero(S), h0 = zero(S), h1 = zero(S), h2 = zero(S), h3 = zero(S);
        int yo2 = yo + dh * VL, yo3 = yo2 + dh * VL, yo4 = yo3 + dh * VL;
        for (int d = 0; d < dh; d++) {
            FloatVector y0 = FloatVector.fromArray(S, yB, yo + d * VL), y1 = FloatVector.fromArray(S, yB, yo2 + d * VL);
            FloatVector y2 = FloatVector.fromArray(S, yB, yo3 + d * VL), y3 = FloatVector.fromArray(S, yB, yo4 + d * VL);
            FloatVector b = broadcast(S, x[x0 + d]); a0 = y0.fma(b, a0); e0 = y1.fma(b, e0); g0 = y2.fma(b, g0); h0 = y3.fma(b, h0);
            b = broadcast(S, x[x1 + d]); a1 = y0.fma(b, a1); e1 = y1.fma(b, e1); g1 = y2.fma(b, g1); h1 = y3.fma(b, h1);
            b = broadcast(S, x[x2 + d]); a2 = y0.fma(b, a2); e2 = y1.fma(b, e2); g2 = y2.fma(b, g2); h2 = y3.fma(b, h2);
            b = broadcast(S, x[x3 + d]); a3 = y0.fma(b, a3); e3 = y1.fma(b, e3); g3 = y2.fma(b, g3); h3 = y3.fma(b, h3);
        }
        FloatVector padding = broadcast(S, pad), f = broadcast(S, scale);
        var valid = S.indexInRange(jj, len);
        padding.blend(a0.mul(f), valid).intoArray(out, jj);
        padding.blend(a1.mul(f), valid).intoArray(out, lp + jj);
        padding.blend(a2.mul(f), valid).intoArray(out, 2 * lp + jj);
        padding.blend(a3.mul(f), valid).intoArray(out, 3 * lp + jj);
        int j2 = jj + VL;
        valid = S.indexInRange(j2, len);
        padding.blend(e0.mul(f), valid).intoArray(out, j2);
        padding.blend(e1.mul(f), valid).intoArray(out, lp + j2);
        padding.blend(e2.mul(f), valid).intoArray(out, 2 * lp + j2);
        padding.blend(e3.mul(f), valid).intoArray(out, 3 * lp + j2);
        int j3 = j2 + VL;
        valid = S.indexInRange(j3, len);
        padding.blend(g0.mul(f), valid).intoArray(out, j3);
        padding.blend(g1.mul(f), valid).intoArray(out, lp + j3);
        padding.blend(g2.mul(f), valid).intoArray(out, 2 * lp + j3);
        padding.blend(g3.mul(f), valid).intoArray(out, 3 * lp + j3);
        int j4 = j3 + VL;
        valid = S.indexInRange(j4, len);
        padding.blend(h0.mul(f), valid).intoArray(out, j4);
        padding.blend(h1.mul(f), valid).intoArray(out, lp + j4);
        padding.blend(h2.mul(f), valid).intoArray(out, 2 * lp + j4);
        padding.blend(h3.mul(f), valid).intoArray(out, 3 * lp + j4);
    }

    /**
     * Key vectors 0 to 4 of {@link #scores} in one pass (twenty accumulators, 32 vector registers only): with five key
     * vectors (xs: 69 keys) the fifth's pass of its own had four FMA chains, half the FMA rate, and took a third
     * of the scores' time. Each sum in the same order as in {@link #scoresPair}, so the bits are the same.
     */
    private static void scoresFive(float[] x, int x0, int x1, int x2, int x3, float[] yB, int dh, float scale, float pad,
                                   int len, int lp, float[] out) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S), e0 = zero(S), e1 = zero(S), e2 = zero(S), e3 = zero(S);
        FloatVector g0 = zero(S), g1 = zero(S), g2 = zero(S), g3 = zero(S), h0 = zero(S), h1 = zero(S), h2 = zero(S), h3 = zero(S);
        FloatVector k0 = zero(S), k1 = zero(S), k2 = zero(S), k3 = zero(S);
        int yo2 = dh * VL, yo3 = yo2 + dh * VL, yo4 = yo3 + dh * VL, yo5 = yo4 + dh * VL;
        for (int d = 0; d < dh; d++) {
            FloatVector y0 = FloatVector.fromArray(S, yB, d * VL), y1 = FloatVector.fromArray(S, yB, yo2 + d * VL);
            FloatVector y2 = FloatVector.fromArray(S, yB, yo3 + d * VL), y3 = FloatVector.fromArray(S, yB, yo4 + d * VL);
            FloatVector y4 = FloatVector.fromArray(S, yB, yo5 + d * VL);
            FloatVector b = broadcast(S, x[x0 + d]);
            a0 = y0.fma(b, a0); e0 = y1.fma(b, e0); g0 = y2.fma(b, g0); h0 = y3.fma(b, h0); k0 = y4.fma(b, k0);
            b = broadcast(S, x[x1 + d]);
            a1 = y0.fma(b, a1); e1 = y1.fma(b, e1); g1 = y2.fma(b, g1); h1 = y3.fma(b, h1); k1 = y4.fma(b, k1);
            b = broadcast(S, x[x2 + d]);
            a2 = y0.fma(b, a2); e2 = y1.fma(b, e2); g2 = y2.fma(b, g2); h2 = y3.fma(b, h2); k2 = y4.fma(b, k2);
            b = broadcast(S, x[x3 + d]);
            a3 = y0.fma(b, a3); e3 = y1.fma(b, e3); g3 = y2.fma(b, g3); h3 = y3.fma(b, h3); k3 = y4.fma(b, k3);
        }
        FloatVector padding = broadcast(S, pad), f = broadcast(S, scale);
        var valid = S.indexInRange(0, len);
        padding.blend(a0.mul(f), valid).intoArray(out, 0);
        padding.blend(a1.mul(f), valid).intoArray(out, lp);
        padding.blend(a2.mul(f), valid).intoArray(out, 2 * lp);
        padding.blend(a3.mul(f), valid).intoArray(out, 3 * lp);
        valid = S.indexInRange(VL, len);
        padding.blend(e0.mul(f), valid).intoArray(out, VL);
        padding.blend(e1.mul(f), valid).intoArray(out, lp + VL);
        padding.blend(e2.mul(f), valid).intoArray(out, 2 * lp + VL);
        padding.blend(e3.mul(f), valid).intoArray(out, 3 * lp + VL);
        valid = S.indexInRange(2 * VL, len);
        padding.blend(g0.mul(f), valid).intoArray(out, 2 * VL);
        padding.blend(g1.mul(f), valid).intoArray(out, lp + 2 * VL);
        padding.blend(g2.mul(f), valid).intoArray(out, 2 * lp + 2 * VL);
        padding.blend(g3.mul(f), valid).intoArray(out, 3 * lp + 2 * VL);
        valid = S.indexInRange(3 * VL, len);
        padding.blend(h0.mul(f), valid).intoArray(out, 3 * VL);
        padding.blend(h1.mul(f), valid).intoArray(out, lp + 3 * VL);
        padding.blend(h2.mul(f), valid).intoArray(out, 2 * lp + 3 * VL);
        padding.blend(h3.mul(f), valid).intoArray(out, 3 * lp + 3 * VL);
        valid = S.indexInRange(4 * VL, len);
        padding.blend(k0.mul(f), valid).intoArray(out, 4 * VL);
        padding.blend(k1.mul(f), valid).intoArray(out, lp + 4 * VL);
        padding.blend(k2.mul(f), valid).intoArray(out, 2 * lp + 4 * VL);
        padding.blend(k3.mul(f), valid).intoArray(out, 3 * lp + 4 * VL);
    }

    /** Key vector {@code jj} alone (see {@link #scoresPair}). */
    private static void scoresOne(float[] x, int x0, int x1, int x2, int x3, float[] yB, int yo, int dh, float scale, float pad,
                                  int jj, int len, int lp, float[] out) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S);
        for (int d = 0; d < dh; d++) {
            FloatVector y0 = FloatVector.fromArray(S, yB, yo + d * VL);
            a0 = y0.fma(broadcast(S, x[x0 + d]), a0);
            a1 = y0.fma(broadcast(S, x[x1 + d]), a1);
            a2 = y0.fma(broadcast(S, x[x2 + d]), a2);
            a3 = y0.fma(broadcast(S, x[x3 + d]), a3);
        }
        FloatVector padding = broadcast(S, pad), f = broadcast(S, scale);
        var valid = S.indexInRange(jj, len);
        padding.blend(a0.mul(f), valid).intoArray(out, jj);
        padding.blend(a1.mul(f), valid).intoArray(out, lp + jj);
        padding.blend(a2.mul(f), valid).intoArray(out, 2 * lp + jj);
        padding.blend(a3.mul(f), valid).intoArray(out, 3 * lp + jj);
    }

    /**
     * Score tangents {@code ds_rj = scale·(tq_r·k_j + q_r·tk_j)} of the four rows (0 on padding), the two
     * products summed in separate chains (eight, so the FMA latency is covered) and added at the end. Kept
     * apart from the scores: one method with both (eight accumulators) compiled ~10 % slower in the model.
     */
    private static void tangentScores(float[] q, float[] tq, int[] rows, float[] kB, float[] tkB, int lp, int dh, float scale, int len,
                                      float[] ds) {
        int x0 = rows[0], x1 = rows[1], x2 = rows[2], x3 = rows[3], jj = 0;
        if (PAIRED_D) for (; jj + VL < lp; jj += 2 * VL) tangentScoresPair(q, tq, x0, x1, x2, x3, kB, tkB, jj, lp, dh, scale, ds);
        for (; jj < lp; jj += VL) {
            FloatVector t0 = zero(S), t1 = zero(S), t2 = zero(S), t3 = zero(S), u0 = zero(S), u1 = zero(S), u2 = zero(S), u3 = zero(S);
            for (int d = 0, ko = jj * dh; d < dh; d++) {
                FloatVector kv = FloatVector.fromArray(S, kB, ko + d * VL), tkv = FloatVector.fromArray(S, tkB, ko + d * VL);
                t0 = kv.fma(broadcast(S, tq[x0 + d]), t0); u0 = tkv.fma(broadcast(S, q[x0 + d]), u0);
                t1 = kv.fma(broadcast(S, tq[x1 + d]), t1); u1 = tkv.fma(broadcast(S, q[x1 + d]), u1);
                t2 = kv.fma(broadcast(S, tq[x2 + d]), t2); u2 = tkv.fma(broadcast(S, q[x2 + d]), u2);
                t3 = kv.fma(broadcast(S, tq[x3 + d]), t3); u3 = tkv.fma(broadcast(S, q[x3 + d]), u3);
            }
            FloatVector f = broadcast(S, scale);
            t0.add(u0).mul(f).intoArray(ds, jj); t1.add(u1).mul(f).intoArray(ds, lp + jj);
            t2.add(u2).mul(f).intoArray(ds, 2 * lp + jj); t3.add(u3).mul(f).intoArray(ds, 3 * lp + jj);
        }
        padColumns(ds, lp, len, 0f);
    }

    /**
     * Key vectors {@code jj} and {@code jj + VL} of {@link #tangentScores} in one pass: each broadcast of a query
     * row feeds both vectors' FMAs (12 loads per 16 FMAs instead of 10 per 8), each sum in the same order, so the
     * bits are the same. Sixteen accumulators: only with 32 vector registers ({@link #PAIRED_D}).
     */
    private static void tangentScoresPair(float[] q, float[] tq, int x0, int x1, int x2, int x3, float[] kB, float[] tkB,
                                          int jj, int lp, int dh, float scale, float[] ds) {
        FloatVector t0 = zero(S), t1 = zero(S), t2 = zero(S), t3 = zero(S), u0 = zero(S), u1 = zero(S), u2 = zero(S), u3 = zero(S);
        FloatVector v0 = zero(S), v1 = zero(S), v2 = zero(S), v3 = zero(S), w0 = zero(S), w1 = zero(S), w2 = zero(S), w3 = zero(S);
        for (int d = 0, ko = jj * dh, ko2 = (jj + VL) * dh; d < dh; d++) {
            FloatVector kv = FloatVector.fromArray(S, kB, ko + d * VL), tkv = FloatVector.fromArray(S, tkB, ko + d * VL);
            FloatVector kv2 = FloatVector.fromArray(S, kB, ko2 + d * VL), tkv2 = FloatVector.fromArray(S, tkB, ko2 + d * VL);
            FloatVector a = broadcast(S, tq[x0 + d]), b = broadcast(S, q[x0 + d]);
            t0 = kv.fma(a, t0); u0 = tkv.fma(b, u0); v0 = kv2.fma(a, v0); w0 = tkv2.fma(b, w0);
            a = broadcast(S, tq[x1 + d]); b = broadcast(S, q[x1 + d]);
            t1 = kv.fma(a, t1); u1 = tkv.fma(b, u1); v1 = kv2.fma(a, v1); w1 = tkv2.fma(b, w1);
            a = broadcast(S, tq[x2 + d]); b = broadcast(S, q[x2 + d]);
            t2 = kv.fma(a, t2); u2 = tkv.fma(b, u2); v2 = kv2.fma(a, v2); w2 = tkv2.fma(b, w2);
            a = broadcast(S, tq[x3 + d]); b = broadcast(S, q[x3 + d]);
            t3 = kv.fma(a, t3); u3 = tkv.fma(b, u3); v3 = kv2.fma(a, v3); w3 = tkv2.fma(b, w3);
        }
        FloatVector f = broadcast(S, scale);
        t0.add(u0).mul(f).intoArray(ds, jj); t1.add(u1).mul(f).intoArray(ds, lp + jj);
        t2.add(u2).mul(f).intoArray(ds, 2 * lp + jj); t3.add(u3).mul(f).intoArray(ds, 3 * lp + jj);
        int j2 = jj + VL;
        v0.add(w0).mul(f).intoArray(ds, j2); v1.add(w1).mul(f).intoArray(ds, lp + j2);
        v2.add(w2).mul(f).intoArray(ds, 2 * lp + j2); v3.add(w3).mul(f).intoArray(ds, 3 * lp + j2);
    }

    /**
     * Columns {@code [len, lp)} of the four rows of {@code out} (keys past the head's length: zero padded, so
     * their raw products are 0, or NaN against an infinite query) set to {@code pad}, after a group's score
     * tangents were stored unmasked. (The scores blend their padding in as they store: the same stores
     * followed by this measured up to 10 % slower there, in the forward at s, where no column is padded.)
     */
    private static void padColumns(float[] out, int lp, int len, float pad) {
        if (len == lp) return;
        for (int r = 0; r < ROWS; r++)
            for (int j = r * lp + len; j < (r + 1) * lp; j++) out[j] = pad; // at most VL − 1: no Arrays.fill stub
    }

    /**
     * The softmax of the four padded score rows at {@code off}, times {@code scale > 0}, in place: {@code mx[r]} the
     * row's maximum times {@code scale}, the row {@code e^(scale·s − mx[r])}, {@code sums[r]} its sum. The rows go
     * phase by phase (four maxima, four rows of exponentials, four sums) rather than row by row, so that each phase
     * has four independent chains: with short rows (xs: 5 vectors) one row's max, exponentials and sum were a chain of
     * latencies the next row waited on (the xs forward took 0.85× the time so). Each row's bits are those of a row on
     * its own.
     */
    static void softmax(float[] p, int off, int lp, float scale, float[] mx, float[] sums) {
        FloatVector m0 = broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
        for (int jj = 0; jj < lp; jj += VL) {
            m0 = m0.max(FloatVector.fromArray(S, p, off + jj));
            m1 = m1.max(FloatVector.fromArray(S, p, off + lp + jj));
            m2 = m2.max(FloatVector.fromArray(S, p, off + 2 * lp + jj));
            m3 = m3.max(FloatVector.fromArray(S, p, off + 3 * lp + jj));
        }
        // a max is exact in any order (see VectorMath)
        mx[0] = scale * m0.reduceLanes(VectorOperators.MAX);
        mx[1] = scale * m1.reduceLanes(VectorOperators.MAX);
        mx[2] = scale * m2.reduceLanes(VectorOperators.MAX);
        mx[3] = scale * m3.reduceLanes(VectorOperators.MAX);
        for (int r = 0; r < ROWS; r++) VectorMath.expShifted(p, off + r * lp, scale, mx[r], p, off + r * lp, lp);
        FloatVector s0 = zero(S), s1 = zero(S), s2 = zero(S), s3 = zero(S);
        for (int jj = 0; jj < lp; jj += VL) {
            s0 = s0.add(FloatVector.fromArray(S, p, off + jj));
            s1 = s1.add(FloatVector.fromArray(S, p, off + lp + jj));
            s2 = s2.add(FloatVector.fromArray(S, p, off + 2 * lp + jj));
            s3 = s3.add(FloatVector.fromArray(S, p, off + 3 * lp + jj));
        }
        if (VL >= 16) { // the lane sums: VectorMath.X8
            s0 = s0.add(s0.rearrange(X8)); s1 = s1.add(s1.rearrange(X8)); s2 = s2.add(s2.rearrange(X8)); s3 = s3.add(s3.rearrange(X8));
        }
        if (VL >= 8) { s0 = s0.add(s0.rearrange(X4)); s1 = s1.add(s1.rearrange(X4)); s2 = s2.add(s2.rearrange(X4)); s3 = s3.add(s3.rearrange(X4)); }
        if (VL >= 4) { s0 = s0.add(s0.rearrange(X2)); s1 = s1.add(s1.rearrange(X2)); s2 = s2.add(s2.rearrange(X2)); s3 = s3.add(s3.rearrange(X2)); }
        sums[0] = s0.add(s0.rearrange(X1)).lane(0);
        sums[1] = s1.add(s1.rearrange(X1)).lane(0);
        sums[2] = s2.add(s2.rearrange(X1)).lane(0);
        sums[3] = s3.add(s3.rearrange(X1)).lane(0);
    }

    /**
     * {@code out[r] = Σ a[o_r + i]·b[o_r + i]}, {@code i < n}, for the four offsets {@code o0 .. o3}: lane-wise, the
     * lanes summed as {@link VectorMath#X8} says, then the scalar tail. Four independent chains, as in {@link #softmax}.
     */
    static void dots(float[] a, float[] b, int o0, int o1, int o2, int o3, int n, float[] out) {
        int i = 0, end = S.loopBound(n);
        FloatVector c0 = zero(S), c1 = zero(S), c2 = zero(S), c3 = zero(S);
        for (; i < end; i += VL) {
            c0 = FloatVector.fromArray(S, a, o0 + i).fma(FloatVector.fromArray(S, b, o0 + i), c0);
            c1 = FloatVector.fromArray(S, a, o1 + i).fma(FloatVector.fromArray(S, b, o1 + i), c1);
            c2 = FloatVector.fromArray(S, a, o2 + i).fma(FloatVector.fromArray(S, b, o2 + i), c2);
            c3 = FloatVector.fromArray(S, a, o3 + i).fma(FloatVector.fromArray(S, b, o3 + i), c3);
        }
        if (VL >= 16) { // the lane sums: VectorMath.X8
            c0 = c0.add(c0.rearrange(X8)); c1 = c1.add(c1.rearrange(X8)); c2 = c2.add(c2.rearrange(X8)); c3 = c3.add(c3.rearrange(X8));
        }
        if (VL >= 8) { c0 = c0.add(c0.rearrange(X4)); c1 = c1.add(c1.rearrange(X4)); c2 = c2.add(c2.rearrange(X4)); c3 = c3.add(c3.rearrange(X4)); }
        if (VL >= 4) { c0 = c0.add(c0.rearrange(X2)); c1 = c1.add(c1.rearrange(X2)); c2 = c2.add(c2.rearrange(X2)); c3 = c3.add(c3.rearrange(X2)); }
        float d0 = c0.add(c0.rearrange(X1)).lane(0), d1 = c1.add(c1.rearrange(X1)).lane(0);
        float d2 = c2.add(c2.rearrange(X1)).lane(0), d3 = c3.add(c3.rearrange(X1)).lane(0);
        for (; i < n; i++) {
            d0 += a[o0 + i] * b[o0 + i];
            d1 += a[o1 + i] * b[o1 + i];
            d2 += a[o2 + i] * b[o2 + i];
            d3 += a[o3 + i] * b[o3 + i];
        }
        out[0] = d0;
        out[1] = d1;
        out[2] = d2;
        out[3] = d3;
    }

    /** {@code ds[j] = p[j]·(scale·ds[j] − mu)} over one padded row (one fused multiply-add: scale 1 is {@code ds − mu}). */
    static void tangentWeights(float[] p, float[] ds, int off, int lp, float scale, float mu) {
        FloatVector factor = broadcast(S, scale), minusMu = broadcast(S, -mu);
        for (int jj = off; jj < off + lp; jj += VL) {
            FloatVector pv = FloatVector.fromArray(S, p, jj);
            FloatVector.fromArray(S, ds, jj).fma(factor, minusMu).mul(pv).intoArray(ds, jj);
        }
    }

    /** The backward's row: {@code P = exp(scale·s − lse)} in place of the scores, {@code dS = P·(dP − D)} in place of {@code dP}. */
    static void gradientWeights(float[] p, float[] ds, int off, int lp, float scale, float lse, float d) {
        VectorMath.expShifted(p, off, scale, lse, p, off, lp);
        for (int jj = off; jj < off + lp; jj += VL)
            FloatVector.fromArray(S, ds, jj).sub(d).mul(FloatVector.fromArray(S, p, jj)).intoArray(ds, jj);
    }

    /**
     * {@code out_r = f_r · Σ_{j<len} c[r·lp + j] x_j} for the four rows at {@code rows[r]}, {@code x_j} the
     * row {@code j} of the head at {@code xb} (stride {@code w}; {@code xR} the same packed by
     * {@link #packValues}): {@code o} from {@code P, v} and {@code dq} from {@code dS, k}. Two {@code Dh}
     * vectors per pass (eight chains, constant stride as in {@link #scores}), then one, then scalars.
     */
    private static void values(float[] x, float[] xR, int xb, int w, int[] rows, float[] c, int lp, int len, int dh, float[] f, float[] out) {
        int d = 0, dEnd = S.loopBound(dh);
        if (PAIRED_D) for (; d + 3 * VL < dEnd; d += 4 * VL) valuesQuad(xR, d * len, len, c, lp, f, rows, d, out);
        for (; d + VL < dEnd; d += 2 * VL) valuesPair(xR, d * len, len, c, lp, f, rows, d, out);
        if (d < dEnd) {
            valuesOne(xR, d * len, len, c, lp, f, rows, d, out);
            d += VL;
        }
        for (; d < dh; d++)
            for (int r = 0; r < ROWS; r++) {
                float a = 0f;
                for (int j = 0, xj = xb + d; j < len; j++, xj += w) a += c[r * lp + j] * x[xj];
                out[rows[r] + d] = f[r] * a;
            }
    }

    /** {@code Dh} vectors {@code d} and {@code d + VL} of {@link #values}; {@code xo} = where vector {@code d} starts in {@code xR}. */
    private static void valuesPair(float[] xR, int xo, int len, float[] c, int lp, float[] f, int[] rows, int d, float[] out) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S);
        FloatVector e0 = zero(S), e1 = zero(S), e2 = zero(S), e3 = zero(S);
        int xo2 = xo + len * VL;
        for (int j = 0; j < len; j++) {
            FloatVector y0 = FloatVector.fromArray(S, xR, xo + j * VL), y1 = FloatVector.fromArray(S, xR, xo2 + j * VL);
            FloatVector b = broadcast(S, c[j]); a0 = y0.fma(b, a0); e0 = y1.fma(b, e0);
            b = broadcast(S, c[lp + j]); a1 = y0.fma(b, a1); e1 = y1.fma(b, e1);
            b = broadcast(S, c[2 * lp + j]); a2 = y0.fma(b, a2); e2 = y1.fma(b, e2);
            b = broadcast(S, c[3 * lp + j]); a3 = y0.fma(b, a3); e3 = y1.fma(b, e3);
        }
        a0.mul(f[0]).intoArray(out, rows[0] + d); a1.mul(f[1]).intoArray(out, rows[1] + d);
        a2.mul(f[2]).intoArray(out, rows[2] + d); a3.mul(f[3]).intoArray(out, rows[3] + d);
        int d2 = d + VL;
        e0.mul(f[0]).intoArray(out, rows[0] + d2); e1.mul(f[1]).intoArray(out, rows[1] + d2);
        e2.mul(f[2]).intoArray(out, rows[2] + d2); e3.mul(f[3]).intoArray(out, rows[3] + d2);
    }

    /**
     * {@code Dh} vectors {@code d} to {@code d + 3·VL} of {@link #values} in one pass: each broadcast of a weight feeds
     * four vectors' FMAs, each sum in the same order, so the bits are those of {@link #valuesPair}. Sixteen
     * accumulators: only with 32 vector registers ({@link #PAIRED_D}).
     */
    private static void valuesQuad(float[] xR, int xo, int len, float[] c, int lp, float[] f, int[] rows, int d, float[] out) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S), e0 = zero(S), e1 = zero(S), e2 = zero(S), e3 = zero(S);
        FloatVector g0 = zero(S), g1 = zero(S), g2 = zero(S), g3 = zero(S), h0 = zero(S), h1 = zero(S), h2 = zero(S), h3 = zero(S);
        int xo2 = xo + len * VL, xo3 = xo2 + len * VL, xo4 = xo3 + len * VL;
        for (int j = 0; j < len; j++) {
            FloatVector y0 = FloatVector.fromArray(S, xR, xo + j * VL), y1 = FloatVector.fromArray(S, xR, xo2 + j * VL);
            FloatVector y2 = FloatVector.fromArray(S, xR, xo3 + j * VL), y3 = FloatVector.fromArray(S, xR, xo4 + j * VL);
            FloatVector b = broadcast(S, c[j]); a0 = y0.fma(b, a0); e0 = y1.fma(b, e0); g0 = y2.fma(b, g0); h0 = y3.fma(b, h0);
            b = broadcast(S, c[lp + j]); a1 = y0.fma(b, a1); e1 = y1.fma(b, e1); g1 = y2.fma(b, g1); h1 = y3.fma(b, h1);
            b = broadcast(S, c[2 * lp + j]); a2 = y0.fma(b, a2); e2 = y1.fma(b, e2); g2 = y2.fma(b, g2); h2 = y3.fma(b, h2);
            b = broadcast(S, c[3 * lp + j]); a3 = y0.fma(b, a3); e3 = y1.fma(b, e3); g3 = y2.fma(b, g3); h3 = y3.fma(b, h3);
        }
        a0.mul(f[0]).intoArray(out, rows[0] + d); a1.mul(f[1]).intoArray(out, rows[1] + d);
        a2.mul(f[2]).intoArray(out, rows[2] + d); a3.mul(f[3]).intoArray(out, rows[3] + d);
        int d2 = d + VL;
        e0.mul(f[0]).intoArray(out, rows[0] + d2); e1.mul(f[1]).intoArray(out, rows[1] + d2);
        e2.mul(f[2]).intoArray(out, rows[2] + d2); e3.mul(f[3]).intoArray(out, rows[3] + d2);
        int d3 = d2 + VL;
        g0.mul(f[0]).intoArray(out, rows[0] + d3); g1.mul(f[1]).intoArray(out, rows[1] + d3);
        g2.mul(f[2]).intoArray(out, rows[2] + d3); g3.mul(f[3]).intoArray(out, rows[3] + d3);
        int d4 = d3 + VL;
        h0.mul(f[0]).intoArray(out, rows[0] + d4); h1.mul(f[1]).intoArray(out, rows[1] + d4);
        h2.mul(f[2]).intoArray(out, rows[2] + d4); h3.mul(f[3]).intoArray(out, rows[3] + d4);
    }

    /** {@code Dh} vector {@code d} alone (see {@link #valuesPair}). */
    private static void valuesOne(float[] xR, int xo, int len, float[] c, int lp, float[] f, int[] rows, int d, float[] out) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S);
        for (int j = 0; j < len; j++) {
            FloatVector y0 = FloatVector.fromArray(S, xR, xo + j * VL);
            a0 = y0.fma(broadcast(S, c[j]), a0);
            a1 = y0.fma(broadcast(S, c[lp + j]), a1);
            a2 = y0.fma(broadcast(S, c[2 * lp + j]), a2);
            a3 = y0.fma(broadcast(S, c[3 * lp + j]), a3);
        }
        a0.mul(f[0]).intoArray(out, rows[0] + d); a1.mul(f[1]).intoArray(out, rows[1] + d);
        a2.mul(f[2]).intoArray(out, rows[2] + d); a3.mul(f[3]).intoArray(out, rows[3] + d);
    }

    /**
     * The dual's tangent values {@code to_r = f_r Σ_j (W_rj v_j + P_rj tv_j)}, {@code W} the tangent weights
     * (the primal {@code o} is {@link #values}), from {@code v, tv} packed by {@link #packValues}. One {@code Dh}
     * vector per pass: the {@code W·v} and {@code P·tv} sums in separate chains (eight), added at the end.
     */
    private static void tangentValues(float[] v, float[] tv, float[] vR, float[] tvR, int vb, int w, int[] rows, float[] p, float[] tw,
                                      int lp, int len, int dh, float[] f, float[] to) {
        int d = 0, dEnd = S.loopBound(dh);
        if (PAIRED_D) for (; d + VL < dEnd; d += 2 * VL) tangentValuesPair(vR, tvR, d * len, len, rows, p, tw, lp, d, f, to);
        for (; d < dEnd; d += VL) {
            FloatVector t0 = zero(S), t1 = zero(S), t2 = zero(S), t3 = zero(S), u0 = zero(S), u1 = zero(S), u2 = zero(S), u3 = zero(S);
            for (int j = 0, vo = d * len; j < len; j++) {
                FloatVector vv = FloatVector.fromArray(S, vR, vo + j * VL), tvv = FloatVector.fromArray(S, tvR, vo + j * VL);
                t0 = vv.fma(broadcast(S, tw[j]), t0); u0 = tvv.fma(broadcast(S, p[j]), u0);
                t1 = vv.fma(broadcast(S, tw[lp + j]), t1); u1 = tvv.fma(broadcast(S, p[lp + j]), u1);
                t2 = vv.fma(broadcast(S, tw[2 * lp + j]), t2); u2 = tvv.fma(broadcast(S, p[2 * lp + j]), u2);
                t3 = vv.fma(broadcast(S, tw[3 * lp + j]), t3); u3 = tvv.fma(broadcast(S, p[3 * lp + j]), u3);
            }
            t0.add(u0).mul(f[0]).intoArray(to, rows[0] + d); t1.add(u1).mul(f[1]).intoArray(to, rows[1] + d);
            t2.add(u2).mul(f[2]).intoArray(to, rows[2] + d); t3.add(u3).mul(f[3]).intoArray(to, rows[3] + d);
        }
        for (; d < dh; d++)
            for (int r = 0; r < ROWS; r++) {
                float t = 0f;
                for (int j = 0, vj = vb + d; j < len; j++, vj += w) t += tw[r * lp + j] * v[vj] + p[r * lp + j] * tv[vj];
                to[rows[r] + d] = f[r] * t;
            }
    }

    /**
     * {@link #tangentValues} for {@code Dh} vectors {@code d} and {@code d + VL} in one pass: each broadcast of the
     * weights feeds both vectors' FMAs (12 loads per 16 FMAs instead of 10 per 8), each sum in the same order, so
     * the bits are the same. Sixteen accumulators: only with 32 vector registers ({@link #PAIRED_D}).
     */
    private static void tangentValuesPair(float[] vR, float[] tvR, int vo, int len, int[] rows, float[] p, float[] tw,
                                          int lp, int d, float[] f, float[] to) {
        FloatVector t0 = zero(S), t1 = zero(S), t2 = zero(S), t3 = zero(S), u0 = zero(S), u1 = zero(S), u2 = zero(S), u3 = zero(S);
        FloatVector x0 = zero(S), x1 = zero(S), x2 = zero(S), x3 = zero(S), y0 = zero(S), y1 = zero(S), y2 = zero(S), y3 = zero(S);
        int vo2 = vo + len * VL;
        for (int j = 0; j < len; j++) {
            FloatVector vv = FloatVector.fromArray(S, vR, vo + j * VL), tvv = FloatVector.fromArray(S, tvR, vo + j * VL);
            FloatVector vv2 = FloatVector.fromArray(S, vR, vo2 + j * VL), tvv2 = FloatVector.fromArray(S, tvR, vo2 + j * VL);
            FloatVector w = broadcast(S, tw[j]), q = broadcast(S, p[j]);
            t0 = vv.fma(w, t0); u0 = tvv.fma(q, u0); x0 = vv2.fma(w, x0); y0 = tvv2.fma(q, y0);
            w = broadcast(S, tw[lp + j]); q = broadcast(S, p[lp + j]);
            t1 = vv.fma(w, t1); u1 = tvv.fma(q, u1); x1 = vv2.fma(w, x1); y1 = tvv2.fma(q, y1);
            w = broadcast(S, tw[2 * lp + j]); q = broadcast(S, p[2 * lp + j]);
            t2 = vv.fma(w, t2); u2 = tvv.fma(q, u2); x2 = vv2.fma(w, x2); y2 = tvv2.fma(q, y2);
            w = broadcast(S, tw[3 * lp + j]); q = broadcast(S, p[3 * lp + j]);
            t3 = vv.fma(w, t3); u3 = tvv.fma(q, u3); x3 = vv2.fma(w, x3); y3 = tvv2.fma(q, y3);
        }
        t0.add(u0).mul(f[0]).intoArray(to, rows[0] + d); t1.add(u1).mul(f[1]).intoArray(to, rows[1] + d);
        t2.add(u2).mul(f[2]).intoArray(to, rows[2] + d); t3.add(u3).mul(f[3]).intoArray(to, rows[3] + d);
        int d2 = d + VL;
        x0.add(y0).mul(f[0]).intoArray(to, rows[0] + d2); x1.add(y1).mul(f[1]).intoArray(to, rows[1] + d2);
        x2.add(y2).mul(f[2]).intoArray(to, rows[2] + d2); x3.add(y3).mul(f[3]).intoArray(to, rows[3] + d2);
    }

    /**
     * The backward's key gradients: {@code out_j = f·Σ_i c_ij x_i} for every key {@code j < len} of the head at
     * {@code xb} (stride {@code w}), {@code c} the head's weights (row {@code i} at {@code i·lp}), {@code x} its query
     * rows ({@code xR} the same packed by {@link #packValues}): {@code dK} from {@code dS, q} with {@code f} the
     * scale, {@code dV} from {@code P, dO} with {@code f = 1}. The sums run over {@code i} in order, as the
     * transposed accumulation per query group did, so the bits are those it gave. Vectorised over {@code Dh}:
     * six keys and two {@code Dh} vectors per pass (twelve accumulators that stay in registers over all rows),
     * then one vector, then scalar columns; the keys past the last six one at a time.
     */
    private static void keyGradients(float[] x, float[] xR, int xb, int w, float[] c, int lp, int len, int dh, float f, float[] out) {
        int d = 0, dEnd = S.loopBound(dh), j = 0;
        if (PAIRED_D) for (; d + 3 * VL < dEnd; d += 4 * VL) {
            for (j = 0; j + KEYS <= len; j += KEYS) keysQuad(xR, d * len, len, c, lp, j, f, out, xb + j * w + d, w);
            for (; j < len; j++) {
                keyPair(xR, d * len, len, c, lp, j, f, out, xb + j * w + d);
                keyPair(xR, (d + 2 * VL) * len, len, c, lp, j, f, out, xb + j * w + d + 2 * VL);
            }
        }
        for (; d + VL < dEnd; d += 2 * VL) {
            j = 0;
            if (PAIRED_D) for (; j + WIDE_KEYS <= len; j += WIDE_KEYS) keysWide(xR, d * len, len, c, lp, j, f, out, xb + j * w + d, w);
            for (; j + KEYS <= len; j += KEYS) keysPair(xR, d * len, len, c, lp, j, f, out, xb + j * w + d, w);
            for (; j < len; j++) keyPair(xR, d * len, len, c, lp, j, f, out, xb + j * w + d);
        }
        if (d < dEnd) {
            for (j = 0; j < len; j++) keyOne(xR, d * len, len, c, lp, j, f, out, xb + j * w + d);
            d += VL;
        }
        for (; d < dh; d++)
            for (j = 0; j < len; j++) {
                float a = 0f;
                for (int i = 0, xi = xb + d; i < len; i++, xi += w) a = Math.fma(c[i * lp + j], x[xi], a);
                out[xb + j * w + d] = f * a;
            }
    }

    /** Keys per pass of {@link #keysPair}: with two {@code Dh} vectors, twelve accumulators (fit 16 registers). */
    private static final int KEYS = 6;

    /** {@link #keyGradients} for keys {@code j0 .. j0+5} and {@code Dh} vectors at {@code xo}, {@code xo + len·VL} of {@code xR}. */
    private static void keysPair(float[] xR, int xo, int len, float[] c, int lp, int j0, float f, float[] out, int oo, int w) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S), a4 = zero(S), a5 = zero(S);
        FloatVector e0 = zero(S), e1 = zero(S), e2 = zero(S), e3 = zero(S), e4 = zero(S), e5 = zero(S);
        int xo2 = xo + len * VL;
        for (int i = 0, ci = j0; i < len; i++, ci += lp) {
            FloatVector y0 = FloatVector.fromArray(S, xR, xo + i * VL), y1 = FloatVector.fromArray(S, xR, xo2 + i * VL);
            FloatVector b = broadcast(S, c[ci]); a0 = y0.fma(b, a0); e0 = y1.fma(b, e0);
            b = broadcast(S, c[ci + 1]); a1 = y0.fma(b, a1); e1 = y1.fma(b, e1);
            b = broadcast(S, c[ci + 2]); a2 = y0.fma(b, a2); e2 = y1.fma(b, e2);
            b = broadcast(S, c[ci + 3]); a3 = y0.fma(b, a3); e3 = y1.fma(b, e3);
            b = broadcast(S, c[ci + 4]); a4 = y0.fma(b, a4); e4 = y1.fma(b, e4);
            b = broadcast(S, c[ci + 5]); a5 = y0.fma(b, a5); e5 = y1.fma(b, e5);
        }
        a0.mul(f).intoArray(out, oo); e0.mul(f).intoArray(out, oo + VL);
        a1.mul(f).intoArray(out, oo + w); e1.mul(f).intoArray(out, oo + w + VL);
        a2.mul(f).intoArray(out, oo + 2 * w); e2.mul(f).intoArray(out, oo + 2 * w + VL);
        a3.mul(f).intoArray(out, oo + 3 * w); e3.mul(f).intoArray(out, oo + 3 * w + VL);
        a4.mul(f).intoArray(out, oo + 4 * w); e4.mul(f).intoArray(out, oo + 4 * w + VL);
        a5.mul(f).intoArray(out, oo + 5 * w); e5.mul(f).intoArray(out, oo + 5 * w + VL);
    }

    /** Keys per pass of {@link #keysWide}: twelve, with two {@code Dh} vectors 24 accumulators (32 registers only). */
    private static final int WIDE_KEYS = 12;

    /**
     * {@link #keysPair} for twelve keys {@code j0 .. j0+11} ({@link #PAIRED_D}): each pair of {@code Dh} vectors loaded
     * feeds 24 FMAs instead of 12, and the rows of {@code c} are walked half as often. Each sum in the same order.
     */
    private static void keysWide(float[] xR, int xo, int len, float[] c, int lp, int j0, float f, float[] out, int oo, int w) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S), a4 = zero(S), a5 = zero(S);
        FloatVector a6 = zero(S), a7 = zero(S), a8 = zero(S), a9 = zero(S), a10 = zero(S), a11 = zero(S);
        FloatVector e0 = zero(S), e1 = zero(S), e2 = zero(S), e3 = zero(S), e4 = zero(S), e5 = zero(S);
        FloatVector e6 = zero(S), e7 = zero(S), e8 = zero(S), e9 = zero(S), e10 = zero(S), e11 = zero(S);
        int xo2 = xo + len * VL;
        for (int i = 0, ci = j0; i < len; i++, ci += lp) {
            FloatVector y0 = FloatVector.fromArray(S, xR, xo + i * VL), y1 = FloatVector.fromArray(S, xR, xo2 + i * VL);
            FloatVector b = broadcast(S, c[ci]); a0 = y0.fma(b, a0); e0 = y1.fma(b, e0);
            b = broadcast(S, c[ci + 1]); a1 = y0.fma(b, a1); e1 = y1.fma(b, e1);
            b = broadcast(S, c[ci + 2]); a2 = y0.fma(b, a2); e2 = y1.fma(b, e2);
            b = broadcast(S, c[ci + 3]); a3 = y0.fma(b, a3); e3 = y1.fma(b, e3);
            b = broadcast(S, c[ci + 4]); a4 = y0.fma(b, a4); e4 = y1.fma(b, e4);
            b = broadcast(S, c[ci + 5]); a5 = y0.fma(b, a5); e5 = y1.fma(b, e5);
            b = broadcast(S, c[ci + 6]); a6 = y0.fma(b, a6); e6 = y1.fma(b, e6);
            b = broadcast(S, c[ci + 7]); a7 = y0.fma(b, a7); e7 = y1.fma(b, e7);
            b = broadcast(S, c[ci + 8]); a8 = y0.fma(b, a8); e8 = y1.fma(b, e8);
            b = broadcast(S, c[ci + 9]); a9 = y0.fma(b, a9); e9 = y1.fma(b, e9);
            b = broadcast(S, c[ci + 10]); a10 = y0.fma(b, a10); e10 = y1.fma(b, e10);
            b = broadcast(S, c[ci + 11]); a11 = y0.fma(b, a11); e11 = y1.fma(b, e11);
        }
        a0.mul(f).intoArray(out, oo); e0.mul(f).intoArray(out, oo + VL);
        a1.mul(f).intoArray(out, oo + w); e1.mul(f).intoArray(out, oo + w + VL);
        a2.mul(f).intoArray(out, oo + 2 * w); e2.mul(f).intoArray(out, oo + 2 * w + VL);
        a3.mul(f).intoArray(out, oo + 3 * w); e3.mul(f).intoArray(out, oo + 3 * w + VL);
        a4.mul(f).intoArray(out, oo + 4 * w); e4.mul(f).intoArray(out, oo + 4 * w + VL);
        a5.mul(f).intoArray(out, oo + 5 * w); e5.mul(f).intoArray(out, oo + 5 * w + VL);
        a6.mul(f).intoArray(out, oo + 6 * w); e6.mul(f).intoArray(out, oo + 6 * w + VL);
        a7.mul(f).intoArray(out, oo + 7 * w); e7.mul(f).intoArray(out, oo + 7 * w + VL);
        a8.mul(f).intoArray(out, oo + 8 * w); e8.mul(f).intoArray(out, oo + 8 * w + VL);
        a9.mul(f).intoArray(out, oo + 9 * w); e9.mul(f).intoArray(out, oo + 9 * w + VL);
        a10.mul(f).intoArray(out, oo + 10 * w); e10.mul(f).intoArray(out, oo + 10 * w + VL);
        a11.mul(f).intoArray(out, oo + 11 * w); e11.mul(f).intoArray(out, oo + 11 * w + VL);
    }

    /** {@link #keysPair} over four {@code Dh} vectors ({@link #PAIRED_D}): 24 accumulators, each row of {@code c} walked once for them. */
    private static void keysQuad(float[] xR, int xo, int len, float[] c, int lp, int j0, float f, float[] out, int oo, int w) {
        FloatVector a0 = zero(S), a1 = zero(S), a2 = zero(S), a3 = zero(S), a4 = zero(S), a5 = zero(S);
        FloatVector e0 = zero(S), e1 = zero(S), e2 = zero(S), e3 = zero(S), e4 = zero(S), e5 = zero(S);
        FloatVector g0 = zero(S), g1 = zero(S), g2 = zero(S), g3 = zero(S), g4 = zero(S), g5 = zero(S);
        FloatVector h0 = zero(S), h1 = zero(S), h2 = zero(S), h3 = zero(S), h4 = zero(S), h5 = zero(S);
        int xo2 = xo + len * VL, xo3 = xo2 + len * VL, xo4 = xo3 + len * VL;
        for (int i = 0, ci = j0; i < len; i++, ci += lp) {
            FloatVector y0 = FloatVector.fromArray(S, xR, xo + i * VL), y1 = FloatVector.fromArray(S, xR, xo2 + i * VL);
            FloatVector y2 = FloatVector.fromArray(S, xR, xo3 + i * VL), y3 = FloatVector.fromArray(S, xR, xo4 + i * VL);
            FloatVector b = broadcast(S, c[ci]); a0 = y0.fma(b, a0); e0 = y1.fma(b, e0); g0 = y2.fma(b, g0); h0 = y3.fma(b, h0);
            b = broadcast(S, c[ci + 1]); a1 = y0.fma(b, a1); e1 = y1.fma(b, e1); g1 = y2.fma(b, g1); h1 = y3.fma(b, h1);
            b = broadcast(S, c[ci + 2]); a2 = y0.fma(b, a2); e2 = y1.fma(b, e2); g2 = y2.fma(b, g2); h2 = y3.fma(b, h2);
            b = broadcast(S, c[ci + 3]); a3 = y0.fma(b, a3); e3 = y1.fma(b, e3); g3 = y2.fma(b, g3); h3 = y3.fma(b, h3);
            b = broadcast(S, c[ci + 4]); a4 = y0.fma(b, a4); e4 = y1.fma(b, e4); g4 = y2.fma(b, g4); h4 = y3.fma(b, h4);
            b = broadcast(S, c[ci + 5]); a5 = y0.fma(b, a5); e5 = y1.fma(b, e5); g5 = y2.fma(b, g5); h5 = y3.fma(b, h5);
        }
        int v2 = 2 * VL, v3 = 3 * VL;
        a0.mul(f).intoArray(out, oo); e0.mul(f).intoArray(out, oo + VL); g0.mul(f).intoArray(out, oo + v2); h0.mul(f).intoArray(out, oo + v3);
        oo += w;
        a1.mul(f).intoArray(out, oo); e1.mul(f).intoArray(out, oo + VL); g1.mul(f).intoArray(out, oo + v2); h1.mul(f).intoArray(out, oo + v3);
        oo += w;
        a2.mul(f).intoArray(out, oo); e2.mul(f).intoArray(out, oo + VL); g2.mul(f).intoArray(out, oo + v2); h2.mul(f).intoArray(out, oo + v3);
        oo += w;
        a3.mul(f).intoArray(out, oo); e3.mul(f).intoArray(out, oo + VL); g3.mul(f).intoArray(out, oo + v2); h3.mul(f).intoArray(out, oo + v3);
        oo += w;
        a4.mul(f).intoArray(out, oo); e4.mul(f).intoArray(out, oo + VL); g4.mul(f).intoArray(out, oo + v2); h4.mul(f).intoArray(out, oo + v3);
        oo += w;
        a5.mul(f).intoArray(out, oo); e5.mul(f).intoArray(out, oo + VL); g5.mul(f).intoArray(out, oo + v2); h5.mul(f).intoArray(out, oo + v3);
    }

    /** One key {@code j} of {@link #keysPair}. */
    private static void keyPair(float[] xR, int xo, int len, float[] c, int lp, int j, float f, float[] out, int oo) {
        FloatVector a = zero(S), e = zero(S);
        int xo2 = xo + len * VL;
        for (int i = 0, ci = j; i < len; i++, ci += lp) {
            FloatVector b = broadcast(S, c[ci]);
            a = FloatVector.fromArray(S, xR, xo + i * VL).fma(b, a);
            e = FloatVector.fromArray(S, xR, xo2 + i * VL).fma(b, e);
        }
        a.mul(f).intoArray(out, oo);
        e.mul(f).intoArray(out, oo + VL);
    }

    /** One key {@code j} and one {@code Dh} vector at {@code xo} of {@code xR}. */
    private static void keyOne(float[] xR, int xo, int len, float[] c, int lp, int j, float f, float[] out, int oo) {
        FloatVector a = zero(S);
        for (int i = 0, ci = j; i < len; i++, ci += lp) a = FloatVector.fromArray(S, xR, xo + i * VL).fma(broadcast(S, c[ci]), a);
        a.mul(f).intoArray(out, oo);
    }

    // ---- helpers -----------------------------------------------------------------------------
    static int padded(int len) { return (len + VL - 1) / VL * VL; }

    /**
     * Packs a head's keys for {@link #scores}: key vector {@code jj} (keys {@code jj .. jj+VL−1}) is a
     * {@code [Dh, VL]} block at {@code jj·Dh}, so {@code xB[jj·Dh + d·VL + j − jj] = x[base + j·w + d]} for
     * {@code j < len}; the padding keys' lanes are zero.
     */
    private static void packKeys(float[] x, int base, int w, int len, int dh, float[] xB) {
        int dT = Transpose16.AVAILABLE ? dh / VL * VL : 0; // dimensions moved by register transposes, 16 keys × 16 at a time
        for (int jj = 0; jj < len; jj += VL)
            for (int d = 0; d < dT; d += VL) Transpose16.block(x, base + jj * w + d, w, Math.min(VL, len - jj), xB, jj * dh + d * VL, VL);
        if (dT == dh) return; // the transposes wrote the padding keys' zeros
        for (int j = 0; j < padded(len); j++) {
            int xj = base + j * w, o = (j / VL) * VL * dh + j % VL;
            for (int d = dT; d < dh; d++) xB[o + d * VL] = j < len ? x[xj + d] : 0f;
        }
    }

    /**
     * Packs a head's rows for {@link #values}: {@code Dh} vector {@code d} (columns {@code d .. d+VL−1},
     * {@code d} a multiple of VL below {@code loopBound(Dh)}) is a {@code [len, VL]} block at {@code d·len}:
     * {@code xR[d·len + j·VL + i] = x[base + j·w + d + i]}. Columns past the last whole vector are not packed.
     * One vector load and store per run ({@code System.arraycopy} of VL floats cost ~4× as much per run).
     */
    private static void packValues(float[] x, int base, int w, int len, int dh, float[] xR) {
        int dEnd = S.loopBound(dh);
        for (int j = 0; j < len; j++)
            for (int d = 0; d < dEnd; d += VL) FloatVector.fromArray(S, x, base + j * w + d).intoArray(xR, d * len + j * VL);
    }
}
