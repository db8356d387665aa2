package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Vector API sums for {@link CpuReductions}. */
final class ReductionSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private ReductionSimd() {}

    /** {@code lanes}: {@link VectorMath#lanes} scratch. */
    static float sum(float[] x, int off, int len, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0, end = S.loopBound(len);
        for (; i < end; i += S.length()) acc = acc.add(FloatVector.fromArray(S, x, off + i));
        acc.intoArray(lanes, 0);
        float s = VectorMath.sumLanes(lanes);
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
