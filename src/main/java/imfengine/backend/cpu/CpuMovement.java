package imfengine.backend.cpu;

import imfengine.tensor.Permutation;

/**
 * Data movement on arrays of any element type ({@code float[]}, {@code int[]}, {@code short[]}), each
 * with the element offset of its tensor: permutes, strided run copies (concat/slice), row gather, and
 * the float scatter-add that is gather's adjoint.
 */
final class CpuMovement {
    private final WorkerPool pool;

    CpuMovement(WorkerPool pool) {
        this.pool = pool;
    }

    void permute(Object x, int xOff, int[] dims, Permutation perm, Object out, int outOff) {
        int r = dims.length;
        long[] inStride = new long[r];
        long s = 1;
        for (int i = r - 1; i >= 0; i--) { inStride[i] = s; s *= dims[i]; }
        int[] od = new int[r];
        long[] srcStride = new long[r]; // input stride of each output axis
        for (int i = 0; i < r; i++) { od[i] = dims[perm.source(i)]; srcStride[i] = inStride[perm.source(i)]; }
        int last = r == 0 ? 1 : od[r - 1];
        long lastStride = r == 0 ? 1 : srcStride[r - 1];
        int rows = (int) (s / Math.max(1, last));
        pool.parallelForGuided(rows, Math.max(1, 4096 / Math.max(1, last)), (from, to) -> {
            for (int row = from; row < to; row++) {
                long src = 0;
                int rem = row;
                for (int ax = r - 2; ax >= 0; ax--) { src += (rem % od[ax]) * srcStride[ax]; rem /= od[ax]; }
                int dst = outOff + row * last;
                if (lastStride == 1) System.arraycopy(x, xOff + (int) src, out, dst, last);
                else for (int j = 0; j < last; j++) copyOne(x, xOff + (int) (src + j * lastStride), out, dst + j);
            }
        });
    }

    void copyRuns(Object src, long srcOff, long srcStride, Object dst, long dstOff, long dstStride,
                  int rows, int len, boolean accumulate) {
        pool.parallelForGuided(rows, Math.max(1, 4096 / Math.max(1, len)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int so = (int) (srcOff + r * srcStride), d = (int) (dstOff + r * dstStride);
                if (accumulate) {
                    float[] s = (float[]) src, o = (float[]) dst;
                    for (int j = 0; j < len; j++) o[d + j] += s[so + j];
                } else {
                    System.arraycopy(src, so, dst, d, len);
                }
            }
        });
    }

    void gatherRows(Object table, int tableOff, int tableRows, int width, int[] idx, int idxOff, int n, Object out, int outOff) {
        for (int i = 0; i < n; i++) {
            int row = idx[idxOff + i];
            if (row < 0 || row >= tableRows)
                throw new IndexOutOfBoundsException("gather: index " + row + " outside table of " + tableRows + " rows");
            System.arraycopy(table, tableOff + row * width, out, outOff + i * width, width);
        }
    }

    /** Serial: indices may repeat, and tables are small. */
    void scatterAddRows(float[] g, int gOff, int[] idx, int idxOff, int n, float[] tableGrad, int tOff, int tableRows, int width) {
        for (int i = 0; i < n; i++) {
            int row = idx[idxOff + i];
            if (row < 0 || row >= tableRows)
                throw new IndexOutOfBoundsException("scatter: index " + row + " outside table of " + tableRows + " rows");
            int o = tOff + row * width, gi = gOff + i * width;
            for (int j = 0; j < width; j++) tableGrad[o + j] += g[gi + j];
        }
    }

    private static void copyOne(Object src, int si, Object dst, int di) {
        switch (src) {
            case float[] f -> ((float[]) dst)[di] = f[si];
            case int[] a -> ((int[]) dst)[di] = a[si];
            case short[] h -> ((short[]) dst)[di] = h[si];
            default -> throw new IllegalArgumentException("unsupported array " + src.getClass());
        }
    }
}
