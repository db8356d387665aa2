package imfengine.backend.cpu;

/** Nearest-neighbour ×2 upsampling of NCHW planes, planes in parallel: each input row is written to two output rows. */
final class CpuUpsample {
    private final WorkerPool pool;

    CpuUpsample(WorkerPool pool) { this.pool = pool; }

    void nearest2x(float[] x, int xo, int planes, int h, int w, float[] y, int yo) {
        int w2 = 2 * w;
        pool.parallelFor(planes, Math.max(1, 8192 / Math.max(1, h * w)), (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                for (int i = 0; i < h; i++) {
                    int src = xo + (pl * h + i) * w, dst = yo + (pl * 2 * h + 2 * i) * w2;
                    for (int j = 0; j < w; j++) {
                        float v = x[src + j];
                        y[dst + 2 * j] = v;
                        y[dst + 2 * j + 1] = v;
                    }
                    System.arraycopy(y, dst, y, dst + w2, w2); // the same row again
                }
            }
        });
    }
}
