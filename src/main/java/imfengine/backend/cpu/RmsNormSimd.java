package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static imfengine.backend.cpu.VectorMath.VL;
import static imfengine.backend.cpu.VectorMath.X1;
import static imfengine.backend.cpu.VectorMath.X2;
import static imfengine.backend.cpu.VectorMath.X4;
import static imfengine.backend.cpu.VectorMath.X8;

/** Vector API rows for {@link CpuRmsNorm}: the same math, lane-wise sums, scalar tails. */
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

    static void backwardRow(float[] x, float[] w, int wo, float[] rstd, float[] dy, float[] dx, boolean addToDx, float[] dwAcc,
                            int r, int n) {
        int o = r * n, end = S.loopBound(n), j = 0;
        float rs = rstd[r];
        FloatVector acc = FloatVector.zero(S);
        for (; j < end; j += S.length())
            acc = FloatVector.fromArray(S, w, wo + j).mul(FloatVector.fromArray(S, dy, o + j))
                    .fma(FloatVector.fromArray(S, x, o + j), acc);
        if (VL >= 16) acc = acc.add(acc.rearrange(X8)); // the lane sum: VectorMath.X8
        if (VL >= 8) acc = acc.add(acc.rearrange(X4));
        if (VL >= 4) acc = acc.add(acc.rearrange(X2));
        float wdx = acc.add(acc.rearrange(X1)).lane(0);
        for (; j < n; j++) wdx += w[wo + j] * dy[o + j] * x[o + j];
        float k = rs * rs * (wdx / n);
        for (j = 0; j < end; j += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, o + j), dyv = FloatVector.fromArray(S, dy, o + j);
            FloatVector d = dyv.mul(FloatVector.fromArray(S, w, wo + j)).sub(xv.mul(k)).mul(rs);
            if (addToDx) d.add(FloatVector.fromArray(S, dx, o + j)).intoArray(dx, o + j); // a store per branch: no vector phi
            else d.intoArray(dx, o + j);
            if (dwAcc != null)
                dyv.mul(xv).mul(rs).add(FloatVector.fromArray(S, dwAcc, j)).intoArray(dwAcc, j);
        }
        for (; j < n; j++) {
            float d = rs * (w[wo + j] * dy[o + j] - x[o + j] * k);
            dx[o + j] = addToDx ? dx[o + j] + d : d;
            if (dwAcc != null) dwAcc[j] += dy[o + j] * x[o + j] * rs;
        }
    }
}
