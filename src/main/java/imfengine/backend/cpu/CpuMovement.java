package imfengine.backend.cpu;

/** Data movement: permutes, strided run copies (concat/slice), row gather and scatter-add. */
final class CpuMovement {
    private final WorkerPool pool;

    CpuMovement(WorkerPool pool) {
        this.pool = pool;
    }

    void permute(float[] x, int[] dims, int[] perm, float[] out) {
        int r = dims.length;
        long[] inStride = new long[r];
        long s = 1;
        for (int i = r - 1; i >= 0; i--) { inStride[i] = s; s *= dims[i]; }
        int[] od = new int[r];
        long[] srcStride = new long[r]; // input stride of each output axis
        for (int i = 0; i < r; i++) { od[i] = dims[perm[i]]; srcStride[i] = inStride[perm[i]]; }
        int last = r == 0 ? 1 : od[r - 1];
        long lastStride = r == 0 ? 1 : srcStride[r - 1];
        int rows = (int) (s / Math.max(1, last));
        pool.parallelFor(rows, Math.max(1, 4096 / Math.max(1, last)), (from, to) -> {
            for (int row = from; row < to; row++) {
                long src = 0;
                int rem = row;
                for (int ax = r - 2; ax >= 0; ax--) { src += (rem % od[ax]) * srcStride[ax]; rem /= od[ax]; }
                int dst = row * last;
                if (lastStride == 1) System.arraycopy(x, (int) src, out, dst, last);
                else for (int j = 0; j < last; j++) out[dst + j] = x[(int) (src + j * lastStride)];
            }
        });
    }

    void copyRuns(float[] src, long srcOff, long srcStride, float[] dst, long dstOff, long dstStride,
                  int rows, int len, boolean accumulate) {
        pool.parallelFor(rows, Math.max(1, 4096 / Math.max(1, len)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int so = (int) (srcOff + r * srcStride), d = (int) (dstOff + r * dstStride);
                if (accumulate) for (int j = 0; j < len; j++) dst[d + j] += src[so + j];
                else System.arraycopy(src, so, dst, d, len);
            }
        });
    }

    void gatherRows(float[] table, int tableRows, int width, int[] idx, float[] out) {
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= tableRows)
                throw new IndexOutOfBoundsException("gather: index " + idx[i] + " outside table of " + tableRows + " rows");
            System.arraycopy(table, idx[i] * width, out, i * width, width);
        }
    }

    /** Serial: indices may repeat, and tables are small. */
    void scatterAddRows(float[] g, int[] idx, float[] tableGrad, int tableRows, int width) {
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= tableRows)
                throw new IndexOutOfBoundsException("scatter: index " + idx[i] + " outside table of " + tableRows + " rows");
            int o = idx[i] * width, gi = i * width;
            for (int j = 0; j < width; j++) tableGrad[o + j] += g[gi + j];
        }
    }
}
