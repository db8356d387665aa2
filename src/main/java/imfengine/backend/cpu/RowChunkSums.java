package imfengine.backend.cpu;

/**
 * Row loops that also sum a vector over the rows ({@link CpuRmsNorm}'s {@code dw}, {@link CpuGatedResidual}'s
 * gate gradient), reproducibly: the rows are cut into chunks whose number depends only on the shape (not on the
 * thread count), each chunk adds into its own partial, and the partials are added in chunk order.
 */
final class RowChunkSums {
    private static final int GRAIN = 1 << 14;
    /** Upper bound on the partials (memory: {@code MAX_PARTIALS·n} floats). */
    private static final int MAX_PARTIALS = 32;
    /**
     * The calling thread's partials, kept from call to call (rows at least {@code n} long, zeroed before use): fresh
     * arrays per call are first touches of new heap, which on the Intel Xeon cost more than the small kernels that sum
     * into them (see {@link CpuRope#interleaved}).
     */
    private static final ThreadLocal<float[][]> PARTIALS = ThreadLocal.withInitial(() -> new float[0][0]);

    /** Rows {@code [from, to)}, adding their share of the sum into {@code partial} (null when there is no sum). */
    @FunctionalInterface
    interface Rows { void run(int from, int to, float[] partial); }

    private RowChunkSums() {}

    /** Runs {@code body} over {@code rows} rows of {@code n}; adds the sum into {@code sum} (or overwrites it). */
    static void run(WorkerPool pool, int rows, int n, Rows body, float[] sum, boolean accumulate) {
        run(pool, rows, 1, n, body, sum, accumulate);
    }

    /** As {@link #run(WorkerPool, int, int, Rows, float[], boolean)}, every chunk but the last a multiple of {@code quantum} rows. */
    static void run(WorkerPool pool, int rows, int quantum, int n, Rows body, float[] sum, boolean accumulate) {
        int units = (rows + quantum - 1) / quantum;
        int chunks = Math.max(1, Math.min(Math.min(MAX_PARTIALS, units), (int) ((long) rows * n / GRAIN)));
        float[][] partial = sum == null ? null : zeroedPartials(chunks, n);
        pool.parallelForGuided(chunks, 1, (cFrom, cTo) -> {
            for (int c = cFrom; c < cTo; c++) {
                int from = (int) ((long) units * c / chunks) * quantum, to = Math.min(rows, (int) ((long) units * (c + 1) / chunks) * quantum);
                body.run(from, to, partial == null ? null : partial[c]);
            }
        });
        if (sum == null) return;
        if (!accumulate) System.arraycopy(partial[0], 0, sum, 0, n);
        for (int c = accumulate ? 0 : 1; c < chunks; c++) for (int j = 0; j < n; j++) sum[j] += partial[c][j];
    }

    /** This thread's partials, at least {@code chunks} rows of at least {@code n} floats, the first {@code n} of each 0. */
    private static float[][] zeroedPartials(int chunks, int n) {
        float[][] p = PARTIALS.get();
        if (p.length < chunks || p[0].length < n) {
            p = new float[Math.max(chunks, p.length)][Math.max(n, p.length == 0 ? 0 : p[0].length)];
            PARTIALS.set(p);
        }
        for (int c = 0; c < chunks; c++) java.util.Arrays.fill(p[c], 0, n, 0f);
        return p;
    }
}
