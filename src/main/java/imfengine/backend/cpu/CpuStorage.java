package imfengine.backend.cpu;

import imfengine.tensor.DType;
import imfengine.tensor.Storage;

/**
 * Heap storage of one dtype: {@code float[]} for F32, {@code int[]} for I32, {@code short[]} (the raw
 * bits) for BF16. Released float arrays go back to the {@link ArrayPool} for reuse; the others are
 * small (labels, indices) and are left to the garbage collector. A float array may be a little longer
 * than the tensor ({@link ArrayPool#sizeClass}): kernels index by the tensor's shape, never the array's length.
 */
final class CpuStorage implements Storage {
    private final DType dtype;
    private final long bytes;
    private Object array;
    private final ArrayPool pool;

    private CpuStorage(DType dtype, Object array, int length, ArrayPool pool) {
        this.dtype = dtype;
        this.array = array;
        this.bytes = (long) length * dtype.bytes();
        this.pool = pool;
    }

    static CpuStorage allocate(DType dtype, int length, ArrayPool pool) {
        return switch (dtype) {
            case F32 -> new CpuStorage(dtype, pool.take(length), length, pool);
            case I32 -> new CpuStorage(dtype, new int[length], length, null);
            case BF16 -> new CpuStorage(dtype, new short[length], length, null);
        };
    }

    DType dtype() { return dtype; }

    float[] floats() { return (float[]) live(DType.F32); }

    int[] ints() { return (int[]) live(DType.I32); }

    short[] halves() { return (short[]) live(DType.BF16); }

    private Object live(DType want) {
        if (array == null) throw new IllegalStateException("CPU storage used after release");
        if (dtype != want) throw new IllegalArgumentException("a " + dtype + " tensor where " + want + " was expected");
        return array;
    }

    @Override public long bytes() { return array == null ? 0 : bytes; }

    @Override public void release() {
        if (array == null) return;
        if (pool != null) pool.give((float[]) array);
        array = null;
    }

    @Override public boolean isReleased() { return array == null; }
}
