package imfengine.backend.cpu;

/**
 * The SwiGLU gate, elementwise over {@code n} values, with {@code σ = sigmoid(a)}:
 * <pre>
 *   y  = silu(a)·b = a·σ·b
 *   ty = silu'(a)·ta·b + silu(a)·tb,      silu'(a) = σ·(1 + a·(1 − σ))
 *   da = dy·b·silu'(a),  db = dy·silu(a)  (both overwritten)
 * </pre>
 */
final class CpuSwiglu {
    private static final int GRAIN = 1 << 14;
    private final WorkerPool pool;
    private final boolean simd;

    CpuSwiglu(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    /** {@code y} Modified. */
    void forward(float[] a, float[] b, float[] y, int n) {
        pool.parallelForGuided(n, GRAIN, (from, to) -> {
            if (simd) SwigluSimd.forward(a, b, y, from, to);
            else forwardScalar(a, b, y, from, to);
        });
    }

    /** {@code y, ty} Modified. */
    void dual(float[] a, float[] ta, float[] b, float[] tb, float[] y, float[] ty, int n) {
        pool.parallelForGuided(n, GRAIN, (from, to) -> {
            if (simd) SwigluSimd.dual(a, ta, b, tb, y, ty, from, to);
            else dualScalar(a, ta, b, tb, y, ty, from, to);
        });
    }

    /** {@code da, db} Modified (overwritten). */
    void backward(float[] a, float[] b, float[] dy, float[] da, float[] db, int n) {
        pool.parallelForGuided(n, GRAIN, (from, to) -> {
            if (simd) SwigluSimd.backward(a, b, dy, da, db, from, to);
            else backwardScalar(a, b, dy, da, db, from, to);
        });
    }

    // ---- scalar reference loops --------------------------------------------------------------
    static float sigmoid(float v) { return 1f / (1f + (float) Math.exp(-v)); }

    static void forwardScalar(float[] a, float[] b, float[] y, int from, int to) {
        for (int i = from; i < to; i++) y[i] = a[i] * sigmoid(a[i]) * b[i];
    }

    static void dualScalar(float[] a, float[] ta, float[] b, float[] tb, float[] y, float[] ty, int from, int to) {
        for (int i = from; i < to; i++) {
            float ai = a[i], s = sigmoid(ai), silu = ai * s, dsilu = s * (1f + ai * (1f - s));
            y[i] = silu * b[i];
            ty[i] = dsilu * ta[i] * b[i] + silu * tb[i];
        }
    }

    static void backwardScalar(float[] a, float[] b, float[] dy, float[] da, float[] db, int from, int to) {
        for (int i = from; i < to; i++) {
            float ai = a[i], s = sigmoid(ai), g = dy[i];
            da[i] = g * b[i] * s * (1f + ai * (1f - s));
            db[i] = g * ai * s;
        }
    }
}
