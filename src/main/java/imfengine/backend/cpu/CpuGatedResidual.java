package imfengine.backend.cpu;

/**
 * The gated residual of a pre-norm block over {@code [rows, n]} matrices and a gate {@code g [n]}:
 * <pre>
 *   out     = x + branch·g          (branch·g rounded first, as mul then add round it)
 *   dBranch = dy·g                  (overwritten)
 *   dGate   = Σ_rows dy·branch      (overwritten)
 * </pre>
 * One pass over the rows each way, where mul and add read and write five arrays forward and mul, mul and a
 * column sum seven backward. The {@code dGate} sum is split into row chunks whose number depends only on the
 * shape; each chunk sums into its own partial and the partials are added in chunk order, so the result is
 * bitwise reproducible (as {@link CpuRmsNorm}'s {@code dw}).
 */
final class CpuGatedResidual {
    private static final int GRAIN = 1 << 14;
    /** Upper bound on the {@code dGate} partials (memory: {@code MAX_PARTIALS·n} floats). */
    private static final int MAX_PARTIALS = 32;
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
                else forwardRow(x, branch, g, go, out, r * n, n);
            }
        });
    }

    /** {@code dBranch, dGate} Modified (overwritten). */
    void backward(float[] dy, float[] branch, float[] g, int go, float[] dBranch, float[] dGate, int rows, int n) {
        if (rows <= 0) {
            java.util.Arrays.fill(dGate, 0, n, 0f);
            return;
        }
        int chunks = Math.max(1, Math.min(Math.min(MAX_PARTIALS, rows), (int) ((long) rows * n / GRAIN)));
        float[][] partial = new float[chunks][n];
        pool.parallelForGuided(chunks, 1, (cFrom, cTo) -> {
            for (int c = cFrom; c < cTo; c++) {
                int lo = (int) ((long) rows * c / chunks), hi = (int) ((long) rows * (c + 1) / chunks);
                for (int r = lo; r < hi; r++) {
                    if (simd) GatedResidualSimd.backwardRow(dy, branch, g, go, dBranch, partial[c], r * n, n);
                    else backwardRow(dy, branch, g, go, dBranch, partial[c], r * n, 0, n);
                }
            }
        });
        System.arraycopy(partial[0], 0, dGate, 0, n);
        for (int c = 1; c < chunks; c++) for (int j = 0; j < n; j++) dGate[j] += partial[c][j];
    }

    // ---- scalar reference rows (row at element o; columns [from, n)) -------------------------
    static void forwardRow(float[] x, float[] branch, float[] g, int go, float[] out, int o, int n) {
        forwardTail(x, branch, g, go, out, o, 0, n);
    }

    static void forwardTail(float[] x, float[] branch, float[] g, int go, float[] out, int o, int from, int n) {
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
