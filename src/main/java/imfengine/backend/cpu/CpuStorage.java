package imfengine.backend.cpu;

import imfengine.tensor.Storage;

/** Heap float[] storage; released arrays go back to the {@link ArrayPool} for reuse. */
final class CpuStorage implements Storage {
    private float[] array;
    private final ArrayPool pool;

    CpuStorage(float[] array, ArrayPool pool) {
        this.array = array;
        this.pool = pool;
    }

    float[] array() {
        if (array == null) throw new IllegalStateException("CPU storage used after release");
        return array;
    }

    @Override public long floats() { return array == null ? 0 : array.length; }

    @Override public void release() {
        if (array == null) return;
        if (pool != null) pool.give(array);
        array = null;
    }

    @Override public boolean isReleased() { return array == null; }
}
