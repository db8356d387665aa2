package imfengine.backend.cpu;

import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;

/**
 * Data movement on arrays of any element type ({@code float[]}, {@code int[]}, {@code short[]}), each
 * with the element offset of its tensor: permutes, strided run copies (concat/slice), row gather, and
 * the float scatter-add that is gather's adjoint.
 */
final class CpuMovement {
    /** Runs of at least this many elements are copied by {@code System.arraycopy}. */
    private static final int ARRAYCOPY_MIN = 16;
    private final WorkerPool pool;

    CpuMovement(WorkerPool pool) {
        this.pool = pool;
    }

    /**
     * {@code out} = {@code x} (of {@code shape}) permuted, one output row (the last output axis) at a time. Each range
     * finds its first row's source by division, then steps on like an odometer over the other output axes.
     */
    void permute(Object x, int xOff, Shape shape, Permutation perm, Object out, int outOff) {
        int r = shape.rank();
        int[] od = perm.apply(shape).dims();
        long[] srcStride = perm.sourceStrides(shape); // input stride of each output axis
        int last = r == 0 ? 1 : od[r - 1];
        int lastStride = r == 0 ? 1 : (int) srcStride[r - 1];
        int rows = (int) (shape.size() / Math.max(1, last));
        pool.parallelForGuided(rows, Math.max(1, 4096 / Math.max(1, last)), (from, to) -> {
            int[] index = new int[Math.max(0, r - 1)]; // the row's place on the output axes before the last
            long src = 0;
            int rem = from;
            for (int ax = r - 2; ax >= 0; ax--) {
                index[ax] = rem % od[ax];
                src += index[ax] * srcStride[ax];
                rem /= od[ax];
            }
            for (int row = from; row < to; row++) {
                copyRow(x, xOff + (int) src, lastStride, out, outOff + row * last, last);
                for (int ax = r - 2; ax >= 0; ax--) { // the next row
                    src += srcStride[ax];
                    if (++index[ax] < od[ax]) break;
                    src -= od[ax] * srcStride[ax];
                    index[ax] = 0;
                }
            }
        });
    }

    /** {@code n} elements from {@code x} at {@code from} with {@code stride} into {@code out} at {@code to}. */
    private static void copyRow(Object x, int from, int stride, Object out, int to, int n) {
        if (stride == 1 && n >= ARRAYCOPY_MIN) {
            System.arraycopy(x, from, out, to, n);
            return;
        }
        switch (x) { // short runs (a patch row of a few pixels): a loop costs less than the call
            case float[] f -> {
                float[] o = (float[]) out;
                for (int j = 0; j < n; j++) o[to + j] = f[from + j * stride];
            }
            case int[] a -> {
                int[] o = (int[]) out;
                for (int j = 0; j < n; j++) o[to + j] = a[from + j * stride];
            }
            case short[] h -> {
                short[] o = (short[]) out;
                for (int j = 0; j < n; j++) o[to + j] = h[from + j * stride];
            }
            default -> throw new IllegalArgumentException("unsupported array " + x.getClass());
        }
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
}
