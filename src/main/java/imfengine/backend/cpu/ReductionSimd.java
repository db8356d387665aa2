package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static imfengine.backend.cpu.VectorMath.VL;
import static imfengine.backend.cpu.VectorMath.X1;
import static imfengine.backend.cpu.VectorMath.X2;
import static imfengine.backend.cpu.VectorMath.X4;
import static imfengine.backend.cpu.VectorMath.X8;

/** Vector API sums for {@link CpuReductions}. */
final class ReductionSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private ReductionSimd() {}

    /** {@code Σ x[off, off + len)}: lane-wise, then the lanes as {@link VectorMath#X8} says, then the scalar tail. */
    static float sum(float[] x, int off, int len) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0, end = S.loopBound(len);
        for (; i < end; i += S.length()) acc = acc.add(FloatVector.fromArray(S, x, off + i));
        if (VL >= 16) acc = acc.add(acc.rearrange(X8)); // the lane sum: VectorMath.X8
        if (VL >= 8) acc = acc.add(acc.rearrange(X4));
        if (VL >= 4) acc = acc.add(acc.rearrange(X2));
        float s = acc.add(acc.rearrange(X1)).lane(0);
        for (; i < len; i++) s += x[off + i];
        return s;
    }

    /** {@code acc[j] += x[off + j]} for {@code j < n}. */
    static void addInto(float[] x, int off, float[] acc, int n) {
        int j = 0, end = S.loopBound(n);
        for (; j < end; j += S.length())
            FloatVector.fromArray(S, acc, j).add(FloatVector.fromArray(S, x, off + j)).intoArray(acc, j);
        for (; j < n; j++) acc[j] += x[off + j];
    }
}
