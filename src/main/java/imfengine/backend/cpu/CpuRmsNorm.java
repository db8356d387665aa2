package imfengine.backend.cpu;

/**
 * RMSNorm over the last axis of a {@code [rows, n]} matrix, row by row (the SIMD path four rows at a time, the same bits):
 * <pre>
 *   rstd = 1/√(mean(x²) + eps)                      saved per row for the backward pass
 *   y    = x·rstd·w
 *   ty   = w·rstd·(tx − x·rstd²·mean(x·tx))          (dual: y and ty in one pass over the row)
 *   dx   = rstd·(w·dy − x·rstd²·mean(w·dy·x))        (overwrites, or adds: the term rounded, then added)
 *   dw  += Σ_rows dy·x·rstd                          (accumulates, when dw is not null)
 * </pre>
 * The {@code dw} sum is bitwise reproducible ({@link RowChunkSums}).
 */
final class CpuRmsNorm {
    private static final int GRAIN = 1 << 14;
    private final WorkerPool pool;
    private final boolean simd;

    CpuRmsNorm(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    /** {@code y, rstd} Modified; {@code x, w} not modified. */
    void forward(float[] x, float[] w, int wo, float eps, float[] y, float[] rstd, int rows, int n) {
        forward(x, w, wo, eps, y, rstd, rows, n, null);
    }

    /**
     * {@link #forward}, then each group of rows turned by {@code turn} (when not null) while it is in L1: the QK-norm
     * and RoPE in one pass over memory (CpuBackend's scalar reference makes the two calls instead).
     */
    void forward(float[] x, float[] w, int wo, float eps, float[] y, float[] rstd, int rows, int n, HeadRotation turn) {
        overQuads(rows, n, (from, to) -> {
            int r = from;
            if (simd) for (; r + ROWS <= to; r += ROWS) {
                RmsNormSimd.forwardRows4(x, w, wo, eps, y, rstd, r, n);
                if (turn != null) turn.inPlace(y, r, ROWS);
            }
            for (; r < to; r++) {
                if (simd) RmsNormSimd.forwardRow(x, w, wo, eps, y, rstd, r, n);
                else forwardRow(x, w, wo, eps, y, rstd, r, n);
                if (turn != null) turn.inPlace(y, r, 1);
            }
        });
    }

    /** {@code y, ty, rstd} Modified. */
    void dual(float[] x, float[] tx, float[] w, int wo, float eps, float[] y, float[] ty, float[] rstd, int rows, int n) {
        dual(x, tx, w, wo, eps, y, ty, rstd, rows, n, null);
    }

    /** {@link #dual}, then {@code y} and {@code ty} turned group by group as in {@link #forward}. */
    void dual(float[] x, float[] tx, float[] w, int wo, float eps, float[] y, float[] ty, float[] rstd, int rows, int n,
              HeadRotation turn) {
        overQuads(rows, n, (from, to) -> {
            int r = from;
            if (simd) for (; r + ROWS <= to; r += ROWS) {
                RmsNormSimd.dualRows4(x, tx, w, wo, eps, y, ty, rstd, r, n);
                if (turn != null) {
                    turn.inPlace(y, r, ROWS);
                    turn.inPlace(ty, r, ROWS);
                }
            }
            for (; r < to; r++) {
                if (simd) RmsNormSimd.dualRow(x, tx, w, wo, eps, y, ty, rstd, r, n);
                else dualRow(x, tx, w, wo, eps, y, ty, rstd, r, n);
                if (turn != null) {
                    turn.inPlace(y, r, 1);
                    turn.inPlace(ty, r, 1);
                }
            }
        });
    }

    /** {@code dx} Modified (overwritten, or added to when {@code addToDx}); {@code dw} Modified (accumulated) when not null. */
    void backward(float[] x, float[] w, int wo, float[] rstd, float[] dy, float[] dx, boolean addToDx, float[] dw, int rows, int n) {
        backward(x, w, wo, rstd, dy, dx, addToDx, dw, rows, n, null);
    }

    /**
     * {@link #backward} of {@code turn(dy)} (when {@code turn} is not null; the inverse rotation, for the VJP of
     * {@link #forward} with a rotation): each group of {@code dy}'s rows is turned into a small buffer of the thread
     * right before the norm reads it. The SIMD path only.
     */
    void backward(float[] x, float[] w, int wo, float[] rstd, float[] dy, float[] dx, boolean addToDx, float[] dw, int rows, int n,
                  HeadRotation turn) {
        if (rows <= 0) return;
        if (turn != null && !simd) throw new IllegalStateException("the rotated RMSNorm is a SIMD path");
        RowChunkSums.run(pool, rows, ROWS, n, (lo, hi, acc) -> {
            float[] g = turn == null ? dy : turnedRows(n);
            int r = lo;
            if (simd) for (; r + ROWS <= hi; r += ROWS) {
                if (turn != null) turn.into(dy, r, ROWS, g);
                RmsNormSimd.backwardRows4(x, w, wo, rstd, g, turn == null ? r * n : 0, dx, addToDx, acc, r, n);
            }
            for (; r < hi; r++) {
                if (turn != null) turn.into(dy, r, 1, g);
                if (simd) RmsNormSimd.backwardRow(x, w, wo, rstd, g, turn == null ? r * n : 0, dx, addToDx, acc, r, n);
                else backwardRow(x, w, wo, rstd, dy, dx, addToDx, acc, r, n);
            }
        }, dw, true);
    }

    /** The calling thread's buffer for {@link #ROWS} turned rows of {@code n} floats. */
    private static float[] turnedRows(int n) {
        float[] b = TURNED.get();
        if (b.length < ROWS * n) TURNED.set(b = new float[ROWS * n]);
        return b;
    }

    private static final ThreadLocal<float[]> TURNED = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * The SIMD kernels' rows at a time. Ranges start at multiples of it, so that only a matrix's last {@code rows % 4}
     * rows take the one-row kernels: with ranges cut anywhere those ran a few rows a call, too rarely for C2 to compile
     * them within a benchmark's steps, and their Vector API code in C1's tier (every vector a heap object) took the xs
     * step's RMSNorm backward on [32, 49, 96] ~1 ms a call, ~7× a call whose rows all go four at a time.
     */
    static final int ROWS = 4;

    /** {@code body} over {@code [0, rows)} in guided ranges that start at multiples of {@link #ROWS}. */
    private void overQuads(int rows, int n, WorkerPool.Range body) {
        int quads = (rows + ROWS - 1) / ROWS;
        pool.parallelForGuided(quads, Math.max(1, grain(n) / ROWS), (q0, q1) -> body.run(q0 * ROWS, Math.min(rows, q1 * ROWS)));
    }

    private static int grain(int n) { return Math.max(1, GRAIN / Math.max(1, n)); }

    // ---- scalar reference rows ---------------------------------------------------------------
    static void forwardRow(float[] x, float[] w, int wo, float eps, float[] y, float[] rstd, int r, int n) {
        int o = r * n;
        float ss = 0f;
        for (int j = 0; j < n; j++) ss += x[o + j] * x[o + j];
        float rs = rstd(ss, n, eps);
        rstd[r] = rs;
        for (int j = 0; j < n; j++) y[o + j] = x[o + j] * rs * w[wo + j];
    }

    static void dualRow(float[] x, float[] tx, float[] w, int wo, float eps, float[] y, float[] ty, float[] rstd, int r, int n) {
        int o = r * n;
        float ss = 0f, xt = 0f;
        for (int j = 0; j < n; j++) {
            ss += x[o + j] * x[o + j];
            xt += x[o + j] * tx[o + j];
        }
        float rs = rstd(ss, n, eps);
        rstd[r] = rs;
        float k = rs * rs * (xt / n); // rstd²·mean(x·tx)
        for (int j = 0; j < n; j++) {
            float xj = x[o + j], wr = w[wo + j] * rs;
            y[o + j] = xj * wr;
            ty[o + j] = wr * (tx[o + j] - xj * k);
        }
    }

    static void backwardRow(float[] x, float[] w, int wo, float[] rstd, float[] dy, float[] dx, boolean addToDx, float[] dwAcc,
                            int r, int n) {
        int o = r * n;
        float rs = rstd[r], wdx = 0f;
        for (int j = 0; j < n; j++) wdx += w[wo + j] * dy[o + j] * x[o + j];
        float k = rs * rs * (wdx / n); // rstd²·mean(w·dy·x)
        for (int j = 0; j < n; j++) {
            float d = rs * (w[wo + j] * dy[o + j] - x[o + j] * k);
            dx[o + j] = addToDx ? dx[o + j] + d : d;
        }
        if (dwAcc != null) for (int j = 0; j < n; j++) dwAcc[j] += dy[o + j] * x[o + j] * rs;
    }

    static float rstd(float sumSquares, int n, float eps) {
        return (float) (1.0 / Math.sqrt((double) sumSquares / n + eps));
    }
}
