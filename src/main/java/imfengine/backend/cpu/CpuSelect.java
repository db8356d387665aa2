package imfengine.backend.cpu;

import imfengine.backend.Broadcast;
import imfengine.tensor.Bf16;

/**
 * Selection and conversion: masked select ({@code where}, any element type), {@code iota}, the
 * positions of a mask's nonzero elements, and dtype casts. All arrays come with their tensor's offset.
 */
final class CpuSelect {
    private static final int GRAIN = 1 << 14;
    private final WorkerPool pool;

    CpuSelect(WorkerPool pool) {
        this.pool = pool;
    }

    /** {@code out = mask ? a : b}, the mask broadcast as {@code bc} says; a, b, out arrays of one type. */
    void where(float[] mask, int mOff, Broadcast bc, Object a, int aOff, Object b, int bOff, Object out, int oOff) {
        int total = (int) bc.total(), n = (int) bc.n(), inner = (int) bc.inner();
        pool.parallelForGuided(total, GRAIN, (from, to) -> {
            switch (out) {
                case float[] o -> {
                    float[] x = (float[]) a, y = (float[]) b;
                    for (int i = from; i < to; i++) o[oOff + i] = mask[mOff + (i / inner) % n] != 0f ? x[aOff + i] : y[bOff + i];
                }
                case int[] o -> {
                    int[] x = (int[]) a, y = (int[]) b;
                    for (int i = from; i < to; i++) o[oOff + i] = mask[mOff + (i / inner) % n] != 0f ? x[aOff + i] : y[bOff + i];
                }
                case short[] o -> {
                    short[] x = (short[]) a, y = (short[]) b;
                    for (int i = from; i < to; i++) o[oOff + i] = mask[mOff + (i / inner) % n] != 0f ? x[aOff + i] : y[bOff + i];
                }
                default -> throw new IllegalArgumentException("where: unsupported array " + out.getClass());
            }
        });
    }

    static void iota(Object out, int off, int n) {
        switch (out) {
            case float[] o -> { for (int i = 0; i < n; i++) o[off + i] = i; }
            case int[] o -> { for (int i = 0; i < n; i++) o[off + i] = i; }
            default -> throw new IllegalArgumentException("iota: F32 or I32 only, got " + out.getClass());
        }
    }

    /** Writes the positions of nonzero mask elements to {@code idx} in increasing order; returns their count. */
    static int selectNonzero(float[] mask, int mOff, int n, int[] idx, int iOff) {
        int count = 0;
        for (int i = 0; i < n; i++) if (mask[mOff + i] != 0f) idx[iOff + count++] = i;
        return count;
    }

    /** Converts {@code n} elements between any two of F32 ({@code float[]}), BF16 ({@code short[]}), I32 ({@code int[]}). */
    void cast(Object src, int sOff, Object dst, int dOff, int n) {
        pool.parallelForGuided(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) store(dst, dOff + i, load(src, sOff + i));
        });
    }

    private static float load(Object a, int i) {
        return switch (a) {
            case float[] f -> f[i];
            case short[] h -> Bf16.toFloat(h[i]);
            case int[] v -> v[i];
            default -> throw new IllegalArgumentException("cast: unsupported array " + a.getClass());
        };
    }

    private static void store(Object a, int i, float v) {
        switch (a) {
            case float[] f -> f[i] = v;
            case short[] h -> h[i] = Bf16.fromFloat(v);
            case int[] n -> n[i] = (int) v;
            default -> throw new IllegalArgumentException("cast: unsupported array " + a.getClass());
        }
    }
}
