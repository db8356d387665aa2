package imfengine.backend.cpu;

/**
 * Softmax over the last axis of a {@code [rows, n]} array, rows in parallel. Per row:
 * <pre>
 *   forward   y = exp(x − max x) / Σ exp(x − max x)
 *   dual      y as above and ty = y ⊙ (tx − Σ y·tx)      (one pass over the row after y)
 *   backward  dx = y ⊙ (dy − Σ y·dy)
 * </pre>
 * All outputs are overwritten. {@link SoftmaxSimd} holds the Vector API versions of the row loops;
 * the loops here are the scalar reference.
 */
final class CpuSoftmax {
    /** Rows per task are chosen so a task touches at least this many elements. */
    private static final int GRAIN_ELEMS = 1 << 13;
    private final WorkerPool pool;
    private final boolean simd;

    CpuSoftmax(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void forward(float[] x, float[] y, int rows, int n) {
        pool.parallelForGuided(rows, grain(n), (from, to) -> {
            for (int r = from; r < to; r++) {
                if (simd) SoftmaxSimd.row(x, y, r * n, n);
                else row(x, y, r * n, n);
            }
        });
    }

    void dual(float[] x, float[] tx, float[] y, float[] ty, int rows, int n) {
        pool.parallelForGuided(rows, grain(n), (from, to) -> {
            for (int r = from; r < to; r++) {
                if (simd) {
                    SoftmaxSimd.row(x, y, r * n, n);
                    SoftmaxSimd.jacobianTimes(y, tx, ty, r * n, n);
                } else {
                    row(x, y, r * n, n);
                    jacobianTimes(y, tx, ty, r * n, n);
                }
            }
        });
    }

    void backward(float[] y, float[] dy, float[] dx, int rows, int n) {
        // The softmax Jacobian diag(y) − y·yᵀ is symmetric, so the VJP is the same product as the JVP.
        pool.parallelForGuided(rows, grain(n), (from, to) -> {
            for (int r = from; r < to; r++) {
                if (simd) SoftmaxSimd.jacobianTimes(y, dy, dx, r * n, n);
                else jacobianTimes(y, dy, dx, r * n, n);
            }
        });
    }

    private static int grain(int n) { return Math.max(1, GRAIN_ELEMS / Math.max(1, n)); }

    // ---- scalar reference loops --------------------------------------------------------------
    /** {@code y[off..off+n) = softmax(x[off..off+n))}. */
    static void row(float[] x, float[] y, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, x[off + j]);
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(x[off + j] - max);
            y[off + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j < n; j++) y[off + j] *= inv;
    }

    /** {@code out = y ⊙ (t − Σ y·t)} on one row: the softmax Jacobian times {@code t}. */
    static void jacobianTimes(float[] y, float[] t, float[] out, int off, int n) {
        float dot = 0f;
        for (int j = 0; j < n; j++) dot += y[off + j] * t[off + j];
        for (int j = 0; j < n; j++) out[off + j] = y[off + j] * (t[off + j] - dot);
    }
}
