package imfengine.backend.cuda;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts the device memory held from the device below it: every {@link #allocate} adds its bytes until
 * the matching {@link #free}. Above a caching allocator this is the memory the cache has reserved from the
 * driver (live tensors plus cached free blocks), which is what a GPU runs out of; its peak is kept.
 */
public final class MeteredDevice extends ForwardingDevice {
    private final Map<Long, Long> sizes = new HashMap<>();
    private long reserved, peak, allocations;

    public MeteredDevice(Device inner) { super(inner); }

    @Override public long allocate(long bytes) {
        long address = inner.allocate(bytes);
        synchronized (this) {
            sizes.put(address, bytes);
            reserved += bytes;
            peak = Math.max(peak, reserved);
            allocations++;
        }
        return address;
    }

    @Override public void free(long address) {
        inner.free(address);
        synchronized (this) {
            Long bytes = sizes.remove(address);
            if (bytes != null) reserved -= bytes;
        }
    }

    /** Bytes allocated from the device and not yet freed. */
    public synchronized long reservedBytes() { return reserved; }

    /** The most {@link #reservedBytes()} has been since creation or the last {@link #resetPeak()}. */
    public synchronized long peakReservedBytes() { return peak; }

    /** Allocations made from the device so far. */
    public synchronized long allocations() { return allocations; }

    /** Starts a new peak from what is reserved now. */
    public synchronized void resetPeak() { peak = reserved; }
}
