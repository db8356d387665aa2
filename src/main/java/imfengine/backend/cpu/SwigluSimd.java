package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API loops for {@link CpuSwiglu}; tails fall back to the scalar code. {@code σ(a) = 1 / (1 + e^−a)}
 * comes from {@code e^−a} computed a chunk at a time into a scratch array ({@link ElementwiseSimd#chunkScratch}),
 * so no call passes a vector (see {@link VectorMath}).
 */
final class SwigluSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final int CHUNK = ElementwiseSimd.CHUNK;

    private SwigluSimd() {}

    static void forward(float[] a, float[] b, float[] y, int from, int to) {
        int end = from + S.loopBound(to - from);
        float[] e = ElementwiseSimd.chunkScratch();
        for (int c = from; c < end; c += CHUNK) {
            int len = Math.min(CHUNK, end - c);
            VectorMath.exp(a, c, -1f, e, 0, len);
            for (int j = 0, i = c; j < len; j += S.length(), i += S.length()) {
                FloatVector av = FloatVector.fromArray(S, a, i), s = ONE.div(FloatVector.fromArray(S, e, j).add(ONE));
                av.mul(s).mul(FloatVector.fromArray(S, b, i)).intoArray(y, i);
            }
        }
        CpuSwiglu.forwardScalar(a, b, y, end, to);
    }

    static void dual(float[] a, float[] ta, float[] b, float[] tb, float[] y, float[] ty, int from, int to) {
        int end = from + S.loopBound(to - from);
        float[] e = ElementwiseSimd.chunkScratch();
        for (int c = from; c < end; c += CHUNK) {
            int len = Math.min(CHUNK, end - c);
            VectorMath.exp(a, c, -1f, e, 0, len);
            for (int j = 0, i = c; j < len; j += S.length(), i += S.length()) {
                FloatVector av = FloatVector.fromArray(S, a, i), bv = FloatVector.fromArray(S, b, i);
                FloatVector s = ONE.div(FloatVector.fromArray(S, e, j).add(ONE)), silu = av.mul(s);
                FloatVector dsilu = s.mul(av.mul(ONE.sub(s)).add(1f));
                silu.mul(bv).intoArray(y, i);
                dsilu.mul(FloatVector.fromArray(S, ta, i)).mul(bv)
                        .add(silu.mul(FloatVector.fromArray(S, tb, i))).intoArray(ty, i);
            }
        }
        CpuSwiglu.dualScalar(a, ta, b, tb, y, ty, end, to);
    }

    static void backward(float[] a, float[] b, float[] dy, float[] da, float[] db, int from, int to) {
        int end = from + S.loopBound(to - from);
        float[] e = ElementwiseSimd.chunkScratch();
        for (int c = from; c < end; c += CHUNK) {
            int len = Math.min(CHUNK, end - c);
            VectorMath.exp(a, c, -1f, e, 0, len);
            for (int j = 0, i = c; j < len; j += S.length(), i += S.length()) {
                FloatVector av = FloatVector.fromArray(S, a, i), g = FloatVector.fromArray(S, dy, i);
                FloatVector s = ONE.div(FloatVector.fromArray(S, e, j).add(ONE));
                g.mul(FloatVector.fromArray(S, b, i)).mul(s.mul(av.mul(ONE.sub(s)).add(1f))).intoArray(da, i);
                g.mul(av).mul(s).intoArray(db, i);
            }
        }
        CpuSwiglu.backwardScalar(a, b, dy, da, db, end, to);
    }
}
