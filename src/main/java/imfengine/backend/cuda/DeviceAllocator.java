package imfengine.backend.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator over any {@link Device}: freed blocks go to a free list keyed by their rounded
 * size and are handed out again, so after its first step a training loop (same shapes every step)
 * never calls the device's allocator. Sizes round up to 512 bytes below 1 MiB and to 64 KiB above.
 * Reuse is safe without events because all work runs on the device's one queue, in order. When an
 * allocation fails, the cache is emptied and the allocation retried.
 */
public final class DeviceAllocator {
    /** One device allocation. */
    record Block(long address, long bytes) {}

    private final Device device;
    private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
    private long cachedBytes, liveBytes, peakBytes;

    public DeviceAllocator(Device device) {
        this.device = device;
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
            long address;
            try {
                address = device.allocate(size);
            } catch (CudaException outOfMemory) {
                emptyCache();
                address = device.allocate(size);
            }
            b = new Block(address, size);
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

    /** Returns every cached (free) block to the device. */
    public synchronized void emptyCache() {
        device.synchronize();
        for (ArrayDeque<Block> q : free.values()) for (Block b : q) device.free(b.address());
        free.clear();
        cachedBytes = 0;
    }

    public synchronized long cachedBytes() { return cachedBytes; }

    public synchronized long liveBytes() { return liveBytes; }

    public synchronized long peakBytes() { return peakBytes; }
}
