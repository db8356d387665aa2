package imfengine.backend.cuda;

import jcuda.driver.CUdeviceptr;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

/**
 * A caching device allocator: freed blocks go to a free list keyed by their rounded size and are
 * handed out again, so after its first step a training loop (same shapes every step) never calls
 * {@code cuMemAlloc}. Sizes round up to 512 bytes below 1 MiB and to 64 KiB above. Reuse is safe
 * without events because all work runs on the backend's one stream, in order. When
 * {@code cuMemAlloc} fails, the cache is emptied ({@code cuMemFree}) and the allocation retried.
 */
public final class DeviceAllocator {
    /** One device allocation. */
    record Block(CUdeviceptr ptr, long address, long bytes) {}

    private final CudaContext context;
    private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
    private long cachedBytes, liveBytes, peakBytes;

    public DeviceAllocator(CudaContext context) {
        this.context = context;
    }

    static long roundUp(long bytes) {
        long b = Math.max(bytes, 1);
        long unit = b < (1 << 20) ? 512 : 1 << 16;
        return (b + unit - 1) / unit * unit;
    }

    synchronized Block allocate(long bytes) {
        long size = roundUp(bytes);
        ArrayDeque<Block> q = free.get(size);
        Block b = q == null ? null : q.poll();
        if (b != null) {
            cachedBytes -= size;
        } else {
            context.bind();
            CUdeviceptr p = new CUdeviceptr();
            try {
                cuMemAlloc(p, size);
            } catch (RuntimeException outOfMemory) {
                emptyCache();
                cuMemAlloc(p, size);
            }
            b = new Block(p, DevPtr.addressOf(p), size);
        }
        liveBytes += size;
        peakBytes = Math.max(peakBytes, liveBytes);
        return b;
    }

    synchronized void free(Block b) {
        free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).push(b);
        cachedBytes += b.bytes();
        liveBytes -= b.bytes();
    }

    /** Returns every cached (free) block to the driver. */
    public synchronized void emptyCache() {
        context.synchronize();
        for (ArrayDeque<Block> q : free.values()) for (Block b : q) cuMemFree(b.ptr());
        free.clear();
        cachedBytes = 0;
    }

    public synchronized long cachedBytes() { return cachedBytes; }

    public synchronized long liveBytes() { return liveBytes; }

    public synchronized long peakBytes() { return peakBytes; }
}
