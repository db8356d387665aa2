package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static imfengine.backend.cpu.VectorMath.VL;
import static imfengine.backend.cpu.VectorMath.X1;
import static imfengine.backend.cpu.VectorMath.X2;
import static imfengine.backend.cpu.VectorMath.X4;
import static imfengine.backend.cpu.VectorMath.X8;

/** Vector API loops for {@link CpuGroupNorm}: lane-wise float sums (reduced as {@link VectorMath#X8} says), scalar tails. */
final class GroupNormSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private GroupNormSimd() {}

    /** {@code {mean, 1/√(var + eps)}} of {@code x[o, o + len)}: two passes, as the scalar path. */
    static float[] meanRstd(float[] x, int o, int len, float eps) {
        int end = S.loopBound(len), i = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; i < end; i += S.length()) acc = acc.add(FloatVector.fromArray(S, x, o + i));
        if (VL >= 16) acc = acc.add(acc.rearrange(X8)); // the lane sum: VectorMath.X8
        if (VL >= 8) acc = acc.add(acc.rearrange(X4));
        if (VL >= 4) acc = acc.add(acc.rearrange(X2));
        float sum = acc.add(acc.rearrange(X1)).lane(0);
        for (; i < len; i++) sum += x[o + i];
        float mean = sum / len;
        FloatVector sq = FloatVector.zero(S);
        for (i = 0; i < end; i += S.length()) {
            FloatVector d = FloatVector.fromArray(S, x, o + i).sub(mean);
            sq = d.fma(d, sq);
        }
        if (VL >= 16) sq = sq.add(sq.rearrange(X8)); // the lane sum: VectorMath.X8
        if (VL >= 8) sq = sq.add(sq.rearrange(X4));
        if (VL >= 4) sq = sq.add(sq.rearrange(X2));
        float ss = sq.add(sq.rearrange(X1)).lane(0);
        for (; i < len; i++) ss += (x[o + i] - mean) * (x[o + i] - mean);
        return new float[]{mean, (float) (1 / Math.sqrt((double) ss / len + eps))};
    }

    /** {@code y = (x − mean)·scale + shift} over {@code len} values. */
    static void affine(float[] x, int xo, float mean, float scale, float shift, float[] y, int yo, int len) {
        int end = S.loopBound(len), i = 0;
        for (; i < end; i += S.length()) FloatVector.fromArray(S, x, xo + i).sub(mean).fma(scale, shift).intoArray(y, yo + i);
        for (; i < len; i++) y[yo + i] = Math.fma(x[xo + i] - mean, scale, shift);
    }
}
