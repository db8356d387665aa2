package imfengine.backend.cpu;

/**
 * The gated residual of a pre-norm block over {@code [rows, n]} matrices and a gate {@code g [n]}:
 * <pre>
 *   out     = x + branch·g          (branch·g rounded first, as mul then add round it)
 *   dBranch = dy·g                  (overwritten)
 *   dGate   = Σ_rows dy·branch      (overwritten)
 * </pre>
 * One pass over the rows each way, where mul and add read and write five arrays forward and mul, mul and a
 * column sum seven backward. The {@code dGate} sum is bitwise reproducible ({@link RowChunkSums}).
 */
final class CpuGatedResidual {
    private static final int GRAIN = 1 << 14;
    private final WorkerPool pool;
    private final boolean simd;

    CpuGatedResidual(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    /** {@code out} Modified (may be {@code x}); the gate is {@code g[go .. go + n)}. */
    void forward(float[] x, float[] branch, float[] g, int go, float[] out, int rows, int n) {
        pool.parallelForGuided(rows, Math.max(1, GRAIN / Math.max(1, n)), (from, to) -> {
            for (int r = from; r < to; r++) {
                if (simd) GatedResidualSimd.forwardRow(x, branch, g, go, out, r * n, n);
                else forwardRow(x, branch, g, go, out, r * n, 0, n);
            }
        });
    }

    /** {@code dBranch, dGate} Modified (overwritten). */
    void backward(float[] dy, float[] branch, float[] g, int go, float[] dBranch, float[] dGate, int rows, int n) {
        RowChunkSums.run(pool, rows, n, (lo, hi, acc) -> {
            for (int r = lo; r < hi; r++) {
                if (simd) GatedResidualSimd.backwardRow(dy, branch, g, go, dBranch, acc, r * n, n);
                else backwardRow(dy, branch, g, go, dBranch, acc, r * n, 0, n);
            }
        }, dGate, false);
    }

    // ---- scalar reference rows (row at element o; columns [from, n)) -------------------------
    static void forwardRow(float[] x, float[] branch, float[] g, int go, float[] out, int o, int from, int n) {
        for (int j = from; j < n; j++) out[o + j] = x[o + j] + branch[o + j] * g[go + j];
    }

    static void backwardRow(float[] dy, float[] branch, float[] g, int go, float[] dBranch, float[] gateAcc, int o, int from, int n) {
        for (int j = from; j < n; j++) {
            float d = dy[o + j];
            dBranch[o + j] = d * g[go + j];
            gateAcc[j] += d * branch[o + j];
        }
    }
}
