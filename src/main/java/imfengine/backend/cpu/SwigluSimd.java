package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Vector API loops for {@link CpuSwiglu}; tails fall back to the scalar code. */
final class SwigluSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private SwigluSimd() {}

    static void forward(float[] a, float[] b, float[] y, int from, int to) {
        int i = from, end = from + S.loopBound(to - from);
        for (; i < end; i += S.length()) {
            FloatVector av = FloatVector.fromArray(S, a, i);
            av.mul(ElementwiseSimd.sigmoid(av)).mul(FloatVector.fromArray(S, b, i)).intoArray(y, i);
        }
        CpuSwiglu.forwardScalar(a, b, y, i, to);
    }

    static void dual(float[] a, float[] ta, float[] b, float[] tb, float[] y, float[] ty, int from, int to) {
        int i = from, end = from + S.loopBound(to - from);
        for (; i < end; i += S.length()) {
            FloatVector av = FloatVector.fromArray(S, a, i), bv = FloatVector.fromArray(S, b, i);
            FloatVector s = ElementwiseSimd.sigmoid(av), silu = av.mul(s);
            FloatVector dsilu = s.mul(av.mul(ONE.sub(s)).add(1f));
            silu.mul(bv).intoArray(y, i);
            dsilu.mul(FloatVector.fromArray(S, ta, i)).mul(bv)
                    .add(silu.mul(FloatVector.fromArray(S, tb, i))).intoArray(ty, i);
        }
        CpuSwiglu.dualScalar(a, ta, b, tb, y, ty, i, to);
    }

    static void backward(float[] a, float[] b, float[] dy, float[] da, float[] db, int from, int to) {
        int i = from, end = from + S.loopBound(to - from);
        for (; i < end; i += S.length()) {
            FloatVector av = FloatVector.fromArray(S, a, i), g = FloatVector.fromArray(S, dy, i);
            FloatVector s = ElementwiseSimd.sigmoid(av);
            g.mul(FloatVector.fromArray(S, b, i)).mul(s.mul(av.mul(ONE.sub(s)).add(1f))).intoArray(da, i);
            g.mul(av).mul(s).intoArray(db, i);
        }
        CpuSwiglu.backwardScalar(a, b, dy, da, db, i, to);
    }
}
