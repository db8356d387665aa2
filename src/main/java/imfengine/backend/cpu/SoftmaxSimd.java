package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static imfengine.backend.cpu.VectorMath.VL;
import static imfengine.backend.cpu.VectorMath.X1;
import static imfengine.backend.cpu.VectorMath.X2;
import static imfengine.backend.cpu.VectorMath.X4;
import static imfengine.backend.cpu.VectorMath.X8;

/** Vector API versions of {@link CpuSoftmax}'s row loops; tails are finished in scalar code. */
final class SoftmaxSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private SoftmaxSimd() {}

    static void row(float[] x, float[] y, int off, int n) {
        int end = S.loopBound(n), j = 0;
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; j < end; j += S.length()) vmax = vmax.max(FloatVector.fromArray(S, x, off + j));
        float max = vmax.reduceLanes(VectorOperators.MAX); // exact in any order (see VectorMath)
        for (; j < n; j++) max = Math.max(max, x[off + j]);

        VectorMath.expShifted(x, off, 1f, max, y, off, end);
        float sum = ReductionSimd.sum(y, off, end);
        for (j = end; j < n; j++) {
            float e = (float) Math.exp(x[off + j] - max);
            y[off + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (j = 0; j < end; j += S.length()) FloatVector.fromArray(S, y, off + j).mul(inv).intoArray(y, off + j);
        for (; j < n; j++) y[off + j] *= inv;
    }

    static void jacobianTimes(float[] y, float[] t, float[] out, int off, int n) {
        int end = S.loopBound(n), j = 0;
        FloatVector vdot = FloatVector.zero(S);
        for (; j < end; j += S.length())
            vdot = FloatVector.fromArray(S, y, off + j).fma(FloatVector.fromArray(S, t, off + j), vdot);
        if (VL >= 16) vdot = vdot.add(vdot.rearrange(X8)); // the lane sum: VectorMath.X8
        if (VL >= 8) vdot = vdot.add(vdot.rearrange(X4));
        if (VL >= 4) vdot = vdot.add(vdot.rearrange(X2));
        float dot = vdot.add(vdot.rearrange(X1)).lane(0);
        for (; j < n; j++) dot += y[off + j] * t[off + j];
        for (j = 0; j < end; j += S.length())
            FloatVector.fromArray(S, t, off + j).sub(dot).mul(FloatVector.fromArray(S, y, off + j)).intoArray(out, off + j);
        for (; j < n; j++) out[off + j] = y[off + j] * (t[off + j] - dot);
    }
}
