package imfengine.backend.cuda;

import imfengine.tensor.Storage;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Device memory behind a tensor. {@link #release()} (called by the context that owns it) hands
 * the block back to the {@link DeviceAllocator}'s cache. Storage that no scope owns (parameters,
 * optimizer state) lives as long as it is reachable; a {@link Cleaner} returns it to the cache after
 * that, as a safety net only: a context's temporaries never wait for the garbage collector.
 */
final class CudaStorage implements Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    /** Shared with the cleaning action, which must not reference the storage itself. */
    private record Owner(DeviceAllocator allocator, MemoryBlock block, AtomicBoolean released) implements Runnable {
        @Override public void run() {
            if (released.compareAndSet(false, true)) allocator.free(block);
        }
    }

    private final long bytes;
    private final Owner owner;
    private final Cleaner.Cleanable cleanable;
    /** Kernels, copies, fills and uploads queued that may write this storage (what {@link Bf16WeightCache} checks). */
    private volatile long writes;

    CudaStorage(DeviceAllocator allocator, long bytes) {
        this.bytes = bytes;
        this.owner = new Owner(allocator, allocator.allocate(bytes), new AtomicBoolean());
        this.cleanable = CLEANER.register(this, owner);
    }

    /** The device address of element 0. */
    long address() {
        if (owner.released().get()) throw new IllegalStateException("CUDA storage used after release");
        return owner.block().address();
    }

    @Override public long bytes() { return bytes; }

    /** Counts one more queued call that may write this storage. */
    void noteWrite() { writes++; }

    long writes() { return writes; }

    @Override public void release() { cleanable.clean(); }

    @Override public boolean isReleased() { return owner.released().get(); }
}
