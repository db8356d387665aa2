package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static imfengine.backend.cpu.VectorMath.VL;
import static imfengine.backend.cpu.VectorMath.X1;
import static imfengine.backend.cpu.VectorMath.X2;
import static imfengine.backend.cpu.VectorMath.X4;
import static imfengine.backend.cpu.VectorMath.X8;

/**
 * Vector API rows for {@link CpuRmsNorm}: the same math, lane-wise sums, scalar tails. The {@code …Rows4} methods take
 * four consecutive rows at once, each row's sums in the same order as its {@code …Row} method (so the same bits), the
 * four rows' lane sums and normalisers side by side: one row's sum of squares, lane sum and {@code rstd} is a chain of
 * latencies, which for the 32-float rows of the QK-norm took longer than the row's loads and stores (on the Intel Xeon
 * 15 ns a row alone; four rows at a time 1.6× faster, rows of 96 1.1×; docs/PERF.md).
 */
final class RmsNormSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private RmsNormSimd() {}

    static void forwardRow(float[] x, float[] w, int wo, float eps, float[] y, float[] rstd, int r, int n) {
        int o = r * n, end = S.loopBound(n), j = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; j < end; j += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, o + j);
            acc = xv.fma(xv, acc);
        }
        if (VL >= 16) acc = acc.add(acc.rearrange(X8)); // the lane sum: VectorMath.X8
        if (VL >= 8) acc = acc.add(acc.rearrange(X4));
        if (VL >= 4) acc = acc.add(acc.rearrange(X2));
        float ss = acc.add(acc.rearrange(X1)).lane(0);
        for (; j < n; j++) ss += x[o + j] * x[o + j];
        float rs = CpuRmsNorm.rstd(ss, n, eps);
        rstd[r] = rs;
        for (j = 0; j < end; j += S.length())
            FloatVector.fromArray(S, x, o + j).mul(rs).mul(FloatVector.fromArray(S, w, wo + j)).intoArray(y, o + j);
        for (; j < n; j++) y[o + j] = x[o + j] * rs * w[wo + j];
    }

    static void dualRow(float[] x, float[] tx, float[] w, int wo, float eps, float[] y, float[] ty, float[] rstd, int r, int n) {
        int o = r * n, end = S.loopBound(n), j = 0;
        FloatVector accSs = FloatVector.zero(S), accXt = FloatVector.zero(S);
        for (; j < end; j += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, o + j);
            accSs = xv.fma(xv, accSs);
            accXt = xv.fma(FloatVector.fromArray(S, tx, o + j), accXt);
        }
        if (VL >= 16) accSs = accSs.add(accSs.rearrange(X8)); // the lane sum: VectorMath.X8
        if (VL >= 8) accSs = accSs.add(accSs.rearrange(X4));
        if (VL >= 4) accSs = accSs.add(accSs.rearrange(X2));
        float ss = accSs.add(accSs.rearrange(X1)).lane(0);
        if (VL >= 16) accXt = accXt.add(accXt.rearrange(X8)); // the lane sum: VectorMath.X8
        if (VL >= 8) accXt = accXt.add(accXt.rearrange(X4));
        if (VL >= 4) accXt = accXt.add(accXt.rearrange(X2));
        float xt = accXt.add(accXt.rearrange(X1)).lane(0);
        for (; j < n; j++) {
            ss += x[o + j] * x[o + j];
            xt += x[o + j] * tx[o + j];
        }
        float rs = CpuRmsNorm.rstd(ss, n, eps);
        rstd[r] = rs;
        float k = rs * rs * (xt / n);
        for (j = 0; j < end; j += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, o + j);
            FloatVector wr = FloatVector.fromArray(S, w, wo + j).mul(rs);
            xv.mul(wr).intoArray(y, o + j);
            FloatVector.fromArray(S, tx, o + j).sub(xv.mul(k)).mul(wr).intoArray(ty, o + j);
        }
        for (; j < n; j++) {
            float xj = x[o + j], wr = w[wo + j] * rs;
            y[o + j] = xj * wr;
            ty[o + j] = wr * (tx[o + j] - xj * k);
        }
    }

    /** Row {@code r}'s VJP; {@code dy}'s row starts at {@code dyo} ({@code r·n}, or 0 in a buffer of turned rows). */
    static void backwardRow(float[] x, float[] w, int wo, float[] rstd, float[] dy, int dyo, float[] dx, boolean addToDx,
                            float[] dwAcc, int r, int n) {
        int o = r * n, end = S.loopBound(n), j = 0;
        float rs = rstd[r];
        FloatVector acc = FloatVector.zero(S);
        for (; j < end; j += S.length())
            acc = FloatVector.fromArray(S, w, wo + j).mul(FloatVector.fromArray(S, dy, dyo + j))
                    .fma(FloatVector.fromArray(S, x, o + j), acc);
        if (VL >= 16) acc = acc.add(acc.rearrange(X8)); // the lane sum: VectorMath.X8
        if (VL >= 8) acc = acc.add(acc.rearrange(X4));
        if (VL >= 4) acc = acc.add(acc.rearrange(X2));
        float wdx = acc.add(acc.rearrange(X1)).lane(0);
        for (; j < n; j++) wdx += w[wo + j] * dy[dyo + j] * x[o + j];
        float k = rs * rs * (wdx / n);
        for (j = 0; j < end; j += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, o + j), dyv = FloatVector.fromArray(S, dy, dyo + j);
            FloatVector d = dyv.mul(FloatVector.fromArray(S, w, wo + j)).sub(xv.mul(k)).mul(rs);
            if (addToDx) d.add(FloatVector.fromArray(S, dx, o + j)).intoArray(dx, o + j); // a store per branch: no vector phi
            else d.intoArray(dx, o + j);
            if (dwAcc != null)
                dyv.mul(xv).mul(rs).add(FloatVector.fromArray(S, dwAcc, j)).intoArray(dwAcc, j);
        }
        for (; j < n; j++) {
            float d = rs * (w[wo + j] * dy[dyo + j] - x[o + j] * k);
            dx[o + j] = addToDx ? dx[o + j] + d : d;
            if (dwAcc != null) dwAcc[j] += dy[dyo + j] * x[o + j] * rs;
        }
    }

    /** {@link #forwardRow} for rows {@code r .. r+3}. */
    static void forwardRows4(float[] x, float[] w, int wo, float eps, float[] y, float[] rstd, int r, int n) {
        int o0 = r * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n, end = S.loopBound(n), j = 0;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (; j < end; j += S.length()) {
            FloatVector v0 = FloatVector.fromArray(S, x, o0 + j), v1 = FloatVector.fromArray(S, x, o1 + j);
            FloatVector v2 = FloatVector.fromArray(S, x, o2 + j), v3 = FloatVector.fromArray(S, x, o3 + j);
            a0 = v0.fma(v0, a0); a1 = v1.fma(v1, a1); a2 = v2.fma(v2, a2); a3 = v3.fma(v3, a3);
        }
        if (VL >= 16) { a0 = a0.add(a0.rearrange(X8)); a1 = a1.add(a1.rearrange(X8)); a2 = a2.add(a2.rearrange(X8)); a3 = a3.add(a3.rearrange(X8)); }
        if (VL >= 8) { a0 = a0.add(a0.rearrange(X4)); a1 = a1.add(a1.rearrange(X4)); a2 = a2.add(a2.rearrange(X4)); a3 = a3.add(a3.rearrange(X4)); }
        if (VL >= 4) { a0 = a0.add(a0.rearrange(X2)); a1 = a1.add(a1.rearrange(X2)); a2 = a2.add(a2.rearrange(X2)); a3 = a3.add(a3.rearrange(X2)); }
        float s0 = a0.add(a0.rearrange(X1)).lane(0), s1 = a1.add(a1.rearrange(X1)).lane(0);
        float s2 = a2.add(a2.rearrange(X1)).lane(0), s3 = a3.add(a3.rearrange(X1)).lane(0);
        for (; j < n; j++) {
            s0 += x[o0 + j] * x[o0 + j];
            s1 += x[o1 + j] * x[o1 + j];
            s2 += x[o2 + j] * x[o2 + j];
            s3 += x[o3 + j] * x[o3 + j];
        }
        float r0 = CpuRmsNorm.rstd(s0, n, eps), r1 = CpuRmsNorm.rstd(s1, n, eps), r2 = CpuRmsNorm.rstd(s2, n, eps), r3 = CpuRmsNorm.rstd(s3, n, eps);
        rstd[r] = r0;
        rstd[r + 1] = r1;
        rstd[r + 2] = r2;
        rstd[r + 3] = r3;
        for (j = 0; j < end; j += S.length()) {
            FloatVector wv = FloatVector.fromArray(S, w, wo + j);
            FloatVector.fromArray(S, x, o0 + j).mul(r0).mul(wv).intoArray(y, o0 + j);
            FloatVector.fromArray(S, x, o1 + j).mul(r1).mul(wv).intoArray(y, o1 + j);
            FloatVector.fromArray(S, x, o2 + j).mul(r2).mul(wv).intoArray(y, o2 + j);
            FloatVector.fromArray(S, x, o3 + j).mul(r3).mul(wv).intoArray(y, o3 + j);
        }
        for (; j < n; j++) {
            y[o0 + j] = x[o0 + j] * r0 * w[wo + j];
            y[o1 + j] = x[o1 + j] * r1 * w[wo + j];
            y[o2 + j] = x[o2 + j] * r2 * w[wo + j];
            y[o3 + j] = x[o3 + j] * r3 * w[wo + j];
        }
    }

    /** {@link #dualRow} for rows {@code r .. r+3}. */
    static void dualRows4(float[] x, float[] tx, float[] w, int wo, float eps, float[] y, float[] ty, float[] rstd, int r, int n) {
        int o0 = r * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n, end = S.loopBound(n), j = 0;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, t0 = a0, t1 = a0, t2 = a0, t3 = a0;
        for (; j < end; j += S.length()) {
            FloatVector v0 = FloatVector.fromArray(S, x, o0 + j), v1 = FloatVector.fromArray(S, x, o1 + j);
            FloatVector v2 = FloatVector.fromArray(S, x, o2 + j), v3 = FloatVector.fromArray(S, x, o3 + j);
            a0 = v0.fma(v0, a0); a1 = v1.fma(v1, a1); a2 = v2.fma(v2, a2); a3 = v3.fma(v3, a3);
            t0 = v0.fma(FloatVector.fromArray(S, tx, o0 + j), t0); t1 = v1.fma(FloatVector.fromArray(S, tx, o1 + j), t1);
            t2 = v2.fma(FloatVector.fromArray(S, tx, o2 + j), t2); t3 = v3.fma(FloatVector.fromArray(S, tx, o3 + j), t3);
        }
        if (VL >= 16) {
            a0 = a0.add(a0.rearrange(X8)); a1 = a1.add(a1.rearrange(X8)); a2 = a2.add(a2.rearrange(X8)); a3 = a3.add(a3.rearrange(X8));
            t0 = t0.add(t0.rearrange(X8)); t1 = t1.add(t1.rearrange(X8)); t2 = t2.add(t2.rearrange(X8)); t3 = t3.add(t3.rearrange(X8));
        }
        if (VL >= 8) {
            a0 = a0.add(a0.rearrange(X4)); a1 = a1.add(a1.rearrange(X4)); a2 = a2.add(a2.rearrange(X4)); a3 = a3.add(a3.rearrange(X4));
            t0 = t0.add(t0.rearrange(X4)); t1 = t1.add(t1.rearrange(X4)); t2 = t2.add(t2.rearrange(X4)); t3 = t3.add(t3.rearrange(X4));
        }
        if (VL >= 4) {
            a0 = a0.add(a0.rearrange(X2)); a1 = a1.add(a1.rearrange(X2)); a2 = a2.add(a2.rearrange(X2)); a3 = a3.add(a3.rearrange(X2));
            t0 = t0.add(t0.rearrange(X2)); t1 = t1.add(t1.rearrange(X2)); t2 = t2.add(t2.rearrange(X2)); t3 = t3.add(t3.rearrange(X2));
        }
        float s0 = a0.add(a0.rearrange(X1)).lane(0), s1 = a1.add(a1.rearrange(X1)).lane(0);
        float s2 = a2.add(a2.rearrange(X1)).lane(0), s3 = a3.add(a3.rearrange(X1)).lane(0);
        float u0 = t0.add(t0.rearrange(X1)).lane(0), u1 = t1.add(t1.rearrange(X1)).lane(0);
        float u2 = t2.add(t2.rearrange(X1)).lane(0), u3 = t3.add(t3.rearrange(X1)).lane(0);
        for (; j < n; j++) {
            s0 += x[o0 + j] * x[o0 + j];
            u0 += x[o0 + j] * tx[o0 + j];
            s1 += x[o1 + j] * x[o1 + j];
            u1 += x[o1 + j] * tx[o1 + j];
            s2 += x[o2 + j] * x[o2 + j];
            u2 += x[o2 + j] * tx[o2 + j];
            s3 += x[o3 + j] * x[o3 + j];
            u3 += x[o3 + j] * tx[o3 + j];
        }
        float r0 = CpuRmsNorm.rstd(s0, n, eps), r1 = CpuRmsNorm.rstd(s1, n, eps), r2 = CpuRmsNorm.rstd(s2, n, eps), r3 = CpuRmsNorm.rstd(s3, n, eps);
        rstd[r] = r0;
        rstd[r + 1] = r1;
        rstd[r + 2] = r2;
        rstd[r + 3] = r3;
        float k0 = r0 * r0 * (u0 / n), k1 = r1 * r1 * (u1 / n), k2 = r2 * r2 * (u2 / n), k3 = r3 * r3 * (u3 / n);
        for (j = 0; j < end; j += S.length()) {
            FloatVector wv = FloatVector.fromArray(S, w, wo + j);
            FloatVector xv = FloatVector.fromArray(S, x, o0 + j), wr = wv.mul(r0);
            xv.mul(wr).intoArray(y, o0 + j);
            FloatVector.fromArray(S, tx, o0 + j).sub(xv.mul(k0)).mul(wr).intoArray(ty, o0 + j);
            xv = FloatVector.fromArray(S, x, o1 + j); wr = wv.mul(r1);
            xv.mul(wr).intoArray(y, o1 + j);
            FloatVector.fromArray(S, tx, o1 + j).sub(xv.mul(k1)).mul(wr).intoArray(ty, o1 + j);
            xv = FloatVector.fromArray(S, x, o2 + j); wr = wv.mul(r2);
            xv.mul(wr).intoArray(y, o2 + j);
            FloatVector.fromArray(S, tx, o2 + j).sub(xv.mul(k2)).mul(wr).intoArray(ty, o2 + j);
            xv = FloatVector.fromArray(S, x, o3 + j); wr = wv.mul(r3);
            xv.mul(wr).intoArray(y, o3 + j);
            FloatVector.fromArray(S, tx, o3 + j).sub(xv.mul(k3)).mul(wr).intoArray(ty, o3 + j);
        }
        for (; j < n; j++) {
            float wj = w[wo + j], wr0 = wj * r0, wr1 = wj * r1, wr2 = wj * r2, wr3 = wj * r3;
            y[o0 + j] = x[o0 + j] * wr0;
            ty[o0 + j] = wr0 * (tx[o0 + j] - x[o0 + j] * k0);
            y[o1 + j] = x[o1 + j] * wr1;
            ty[o1 + j] = wr1 * (tx[o1 + j] - x[o1 + j] * k1);
            y[o2 + j] = x[o2 + j] * wr2;
            ty[o2 + j] = wr2 * (tx[o2 + j] - x[o2 + j] * k2);
            y[o3 + j] = x[o3 + j] * wr3;
            ty[o3 + j] = wr3 * (tx[o3 + j] - x[o3 + j] * k3);
        }
    }

    /**
     * {@link #backwardRow} for rows {@code r .. r+3} (dy's rows one after another from {@code dyo}): {@code dwAcc} takes their
     * terms row after row, as four calls would add them.
     */
    static void backwardRows4(float[] x, float[] w, int wo, float[] rstd, float[] dy, int dyo, float[] dx, boolean addToDx,
                              float[] dwAcc, int r, int n) {
        int o0 = r * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n, end = S.loopBound(n), j = 0;
        int dy0 = dyo, dy1 = dy0 + n, dy2 = dy1 + n, dy3 = dy2 + n; // dy's rows: r's at dyo
        float r0 = rstd[r], r1 = rstd[r + 1], r2 = rstd[r + 2], r3 = rstd[r + 3];
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (; j < end; j += S.length()) {
            FloatVector wv = FloatVector.fromArray(S, w, wo + j);
            a0 = wv.mul(FloatVector.fromArray(S, dy, dy0 + j)).fma(FloatVector.fromArray(S, x, o0 + j), a0);
            a1 = wv.mul(FloatVector.fromArray(S, dy, dy1 + j)).fma(FloatVector.fromArray(S, x, o1 + j), a1);
            a2 = wv.mul(FloatVector.fromArray(S, dy, dy2 + j)).fma(FloatVector.fromArray(S, x, o2 + j), a2);
            a3 = wv.mul(FloatVector.fromArray(S, dy, dy3 + j)).fma(FloatVector.fromArray(S, x, o3 + j), a3);
        }
        if (VL >= 16) { a0 = a0.add(a0.rearrange(X8)); a1 = a1.add(a1.rearrange(X8)); a2 = a2.add(a2.rearrange(X8)); a3 = a3.add(a3.rearrange(X8)); }
        if (VL >= 8) { a0 = a0.add(a0.rearrange(X4)); a1 = a1.add(a1.rearrange(X4)); a2 = a2.add(a2.rearrange(X4)); a3 = a3.add(a3.rearrange(X4)); }
        if (VL >= 4) { a0 = a0.add(a0.rearrange(X2)); a1 = a1.add(a1.rearrange(X2)); a2 = a2.add(a2.rearrange(X2)); a3 = a3.add(a3.rearrange(X2)); }
        float s0 = a0.add(a0.rearrange(X1)).lane(0), s1 = a1.add(a1.rearrange(X1)).lane(0);
        float s2 = a2.add(a2.rearrange(X1)).lane(0), s3 = a3.add(a3.rearrange(X1)).lane(0);
        for (; j < n; j++) {
            s0 += w[wo + j] * dy[dy0 + j] * x[o0 + j];
            s1 += w[wo + j] * dy[dy1 + j] * x[o1 + j];
            s2 += w[wo + j] * dy[dy2 + j] * x[o2 + j];
            s3 += w[wo + j] * dy[dy3 + j] * x[o3 + j];
        }
        float k0 = r0 * r0 * (s0 / n), k1 = r1 * r1 * (s1 / n), k2 = r2 * r2 * (s2 / n), k3 = r3 * r3 * (s3 / n);
        for (j = 0; j < end; j += S.length()) {
            FloatVector wv = FloatVector.fromArray(S, w, wo + j);
            FloatVector x0 = FloatVector.fromArray(S, x, o0 + j), g0 = FloatVector.fromArray(S, dy, dy0 + j);
            FloatVector x1 = FloatVector.fromArray(S, x, o1 + j), g1 = FloatVector.fromArray(S, dy, dy1 + j);
            FloatVector x2 = FloatVector.fromArray(S, x, o2 + j), g2 = FloatVector.fromArray(S, dy, dy2 + j);
            FloatVector x3 = FloatVector.fromArray(S, x, o3 + j), g3 = FloatVector.fromArray(S, dy, dy3 + j);
            FloatVector d0 = g0.mul(wv).sub(x0.mul(k0)).mul(r0), d1 = g1.mul(wv).sub(x1.mul(k1)).mul(r1);
            FloatVector d2 = g2.mul(wv).sub(x2.mul(k2)).mul(r2), d3 = g3.mul(wv).sub(x3.mul(k3)).mul(r3);
            if (addToDx) { // a store per branch: no vector phi
                d0.add(FloatVector.fromArray(S, dx, o0 + j)).intoArray(dx, o0 + j);
                d1.add(FloatVector.fromArray(S, dx, o1 + j)).intoArray(dx, o1 + j);
                d2.add(FloatVector.fromArray(S, dx, o2 + j)).intoArray(dx, o2 + j);
                d3.add(FloatVector.fromArray(S, dx, o3 + j)).intoArray(dx, o3 + j);
            } else {
                d0.intoArray(dx, o0 + j);
                d1.intoArray(dx, o1 + j);
                d2.intoArray(dx, o2 + j);
                d3.intoArray(dx, o3 + j);
            }
            if (dwAcc != null)
                g3.mul(x3).mul(r3).add(g2.mul(x2).mul(r2).add(g1.mul(x1).mul(r1).add(g0.mul(x0).mul(r0).add(
                        FloatVector.fromArray(S, dwAcc, j))))).intoArray(dwAcc, j);
        }
        for (; j < n; j++) {
            float wj = w[wo + j];
            float e0 = r0 * (wj * dy[dy0 + j] - x[o0 + j] * k0), e1 = r1 * (wj * dy[dy1 + j] - x[o1 + j] * k1);
            float e2 = r2 * (wj * dy[dy2 + j] - x[o2 + j] * k2), e3 = r3 * (wj * dy[dy3 + j] - x[o3 + j] * k3);
            dx[o0 + j] = addToDx ? dx[o0 + j] + e0 : e0;
            dx[o1 + j] = addToDx ? dx[o1 + j] + e1 : e1;
            dx[o2 + j] = addToDx ? dx[o2 + j] + e2 : e2;
            dx[o3 + j] = addToDx ? dx[o3 + j] + e3 : e3;
            if (dwAcc != null)
                dwAcc[j] = (((dwAcc[j] + dy[dy0 + j] * x[o0 + j] * r0) + dy[dy1 + j] * x[o1 + j] * r1) + dy[dy2 + j] * x[o2 + j] * r2)
                        + dy[dy3 + j] * x[o3 + j] * r3;
        }
    }
}
