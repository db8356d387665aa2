package imfengine.backend.cuda;

/**
 * What {@link DeviceAllocator} holds: {@code reserved} bytes are its device allocations (segments), {@code live}
 * bytes what the blocks handed out and not yet returned were asked for (tensor bytes, before rounding: so
 * reserved over live shows rounding, splitting and caching together), each with its peak since the allocator was
 * made or {@link DeviceAllocator#resetPeaks()}; how many segments it allocated from and returned to the device,
 * and how many times it emptied its cache (each such flush waits for the device).
 */
public record AllocatorStats(long reservedBytes, long liveBytes, long peakReservedBytes, long peakLiveBytes,
                             long segmentsAllocated, long segmentsReleased, long flushes) {
    /** Reserved but not live: cached blocks, ready to be handed out again, and the rounding of live ones. */
    public long cachedBytes() { return reservedBytes - liveBytes; }
}
