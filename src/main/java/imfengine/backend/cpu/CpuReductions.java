package imfengine.backend.cpu;

import imfengine.backend.Broadcast;

/** Sums: over the last axis, over everything, and the adjoint of a broadcast. */
final class CpuReductions {
    private static final int GRAIN = 1 << 14;
    private final WorkerPool pool;
    private final boolean simd;

    CpuReductions(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void sumRows(float[] x, int rows, int n, float[] out) {
        pool.parallelFor(rows, Math.max(1, GRAIN / Math.max(1, n)), (from, to) -> {
            for (int r = from; r < to; r++) out[r] = simd ? ReductionSimd.sum(x, r * n, n) : sumScalar(x, r * n, n);
        });
    }

    double sumAll(float[] x, int n) {
        int chunks = Math.max(1, Math.min(pool.threads(), n / GRAIN));
        double[] partial = new double[chunks];
        pool.parallelFor(chunks, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                int lo = (int) ((long) n * c / chunks), hi = (int) ((long) n * (c + 1) / chunks);
                double acc = 0;
                for (int i = lo; i < hi; i += 4096) acc += simd ? ReductionSimd.sum(x, i, Math.min(4096, hi - i)) : sumScalar(x, i, Math.min(4096, hi - i));
                partial[c] = acc;
            }
        });
        double total = 0;
        for (double p : partial) total += p;
        return total;
    }

    void reduceBroadcast(float[] g, Broadcast bc, float[] out) {
        int outer = (int) bc.outer(), n = (int) bc.n(), inner = (int) bc.inner();
        if (inner == 1) { // column sums of an [outer, n] matrix: per-thread partial rows, then combined
            int chunks = Math.max(1, Math.min(pool.threads(), outer * n / GRAIN));
            float[][] partial = new float[chunks][n];
            pool.parallelFor(chunks, 1, (from, to) -> {
                for (int c = from; c < to; c++) {
                    int lo = (int) ((long) outer * c / chunks), hi = (int) ((long) outer * (c + 1) / chunks);
                    float[] acc = partial[c];
                    for (int r = lo; r < hi; r++) {
                        if (simd) ReductionSimd.addInto(g, r * n, acc, n);
                        else for (int j = 0; j < n; j++) acc[j] += g[r * n + j];
                    }
                }
            });
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (float[] p : partial) s += p[j];
                out[j] = s;
            }
        } else { // each out[j] sums `outer` runs of length `inner`
            pool.parallelFor(n, 1, (from, to) -> {
                for (int j = from; j < to; j++) {
                    double s = 0;
                    for (int o = 0; o < outer; o++) {
                        int off = (o * n + j) * inner;
                        s += simd ? ReductionSimd.sum(g, off, inner) : sumScalar(g, off, inner);
                    }
                    out[j] = (float) s;
                }
            });
        }
    }

    static float sumScalar(float[] x, int off, int len) {
        float s = 0f;
        for (int i = 0; i < len; i++) s += x[off + i];
        return s;
    }
}
