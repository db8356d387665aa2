package imfengine.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * The caching allocator over any {@link Device}, after PyTorch's: device memory is allocated in segments and
 * cut into blocks. A request rounds up to 512 bytes; up to 256 KiB it is served from the small pool, whose
 * segments are 2 MiB, above from the large pool. Each pool hands out the best-fitting free block, split when
 * enough is left over (any rest in the small pool, more than 256 KiB in the large one, so that large segments
 * are not cut into crumbs only small requests could use, and small long-lived tensors do not pin large
 * segments), and merges a returned block with its free neighbours ({@link BlockPool}). So a tensor whose size
 * changes from call to call is cut from the blocks larger sizes left, and once the largest call has run, calls
 * stop allocating from the device and nothing is flushed ({@code AllocatorReuseTest}).
 * <p>
 * A new large segment is at least 20 MiB, at least the request (rounded up to 2 MiB), and at least an eighth
 * of what the large pool holds already: a workload of large tensors ends up in a few dozen large segments,
 * which best fit can share among tensors of different sizes. (Counted on the {@code s} model's training step at
 * batch 64 and 256 on a fake device: with segments of exactly the request's size, as PyTorch makes from 10 MiB
 * on, reserved memory ran 11–20% above the peak of live memory and still grew now and then after warm-up; with
 * these, 8–13%, and no growth in 150 steps.)
 * When the device has no room for such a segment, the request's own size is tried; when it has no room for
 * that either, the free segments are returned (after a synchronisation: a flush) and it is tried once more.
 * Reuse needs no events because every copy, launch and GEMM runs on the device's one queue, in order: work that
 * used a block is queued before any work of its next owner.
 * <p>
 * Why not the driver's stream-ordered allocator ({@code cuMemAllocAsync}): with one stream, its advantage
 * (reuse across streams without synchronisation) buys nothing; its pool returns memory to the OS at every
 * synchronisation unless its release threshold is raised; its reuse and statistics live in the driver, so
 * they could only be tested on a GPU. This one behaves the same on the driver, on the emulated device and on
 * a fake {@code Device}, where {@code make test} checks reuse under changing sizes, splitting, merging and
 * that live blocks never overlap ({@link #check()}); {@link #stats()} reports reserved and live bytes exactly.
 */
public final class DeviceAllocator {
    static final long ALIGN = 512, SMALL_REQUEST = 256 << 10, SMALL_SEGMENT = 2 << 20;
    static final long LARGE_SEGMENT = 20 << 20, LARGE_ROUND = 2 << 20, LARGE_GROWTH = 8;

    private final Device device;
    private final BlockPool small = new BlockPool(ALIGN), large = new BlockPool(SMALL_REQUEST + ALIGN);
    private long live, peakLive, peakReserved, segmentsAllocated, segmentsReleased, flushes;

    public DeviceAllocator(Device device) {
        this.device = device;
    }

    static long roundUp(long bytes, long unit) { return (Math.max(bytes, 1) + unit - 1) / unit * unit; }

    /** The smallest segment that serves a request of {@code size} bytes (rounded): the one tried when memory is short. */
    static long minimalSegment(long size) {
        return size <= SMALL_REQUEST ? SMALL_SEGMENT : roundUp(size, LARGE_ROUND);
    }

    /** The segment a request of {@code size} (rounded) makes when no free block fits, with {@code largeReserved} in the large pool. */
    static long segmentFor(long size, long largeReserved) {
        if (size <= SMALL_REQUEST) return SMALL_SEGMENT;
        return Math.max(Math.max(LARGE_SEGMENT, minimalSegment(size)), roundUp(largeReserved / LARGE_GROWTH, LARGE_ROUND));
    }

    /** A live block of at least {@code bytes}; throws {@link CudaException} when the device has no memory left for it. */
    synchronized MemoryBlock allocate(long bytes) {
        long size = roundUp(bytes, ALIGN);
        BlockPool pool = size <= SMALL_REQUEST ? small : large;
        MemoryBlock b = pool.take(size);
        if (b == null) {
            grow(pool, size);
            b = pool.take(size);
        }
        b.requested = Math.max(bytes, 0);
        live += b.requested;
        peakLive = Math.max(peakLive, live);
        return b;
    }

    /** A new segment for a request of {@code size}: the preferred size, else the minimal one, else the minimal one after a flush. */
    private void grow(BlockPool pool, long size) {
        long bytes = segmentFor(size, large.reservedBytes());
        long address = tryAllocate(bytes);
        if (address == 0 && bytes > minimalSegment(size)) address = tryAllocate(bytes = minimalSegment(size));
        if (address == 0) {
            emptyCache();
            try {
                address = device.allocate(bytes);
            } catch (CudaException e) {
                throw new CudaException("out of device memory: a segment of " + bytes + " bytes did not fit beside " + reserved()
                        + " bytes reserved (" + live + " live) after emptying the cache: " + e.getMessage(), e);
            }
        }
        pool.addSegment(address, bytes);
        segmentsAllocated++;
        peakReserved = Math.max(peakReserved, reserved());
    }

    /** The device's allocation of {@code bytes}, or 0 when it has no room (device addresses are never 0). */
    private long tryAllocate(long bytes) {
        try {
            return device.allocate(bytes);
        } catch (CudaException noRoom) {
            return 0;
        }
    }

    /** Takes back a live block (its last user's work is already queued). */
    synchronized void free(MemoryBlock b) {
        b.segment.pool.put(b);
        live -= b.requested;
    }

    /** Returns every segment that is entirely free to the device, after waiting for queued work. */
    public synchronized void emptyCache() {
        device.synchronize();
        flushes++;
        for (BlockPool pool : new BlockPool[]{small, large})
            for (long base : pool.takeFreeSegments()) {
                device.free(base);
                segmentsReleased++;
            }
    }

    private long reserved() { return small.reservedBytes() + large.reservedBytes(); }

    public synchronized AllocatorStats stats() {
        return new AllocatorStats(reserved(), live, peakReserved, peakLive, segmentsAllocated, segmentsReleased, flushes);
    }

    /** Starts the peaks of {@link #stats()} again from what is reserved and live now (e.g. to measure one step). */
    public synchronized void resetPeaks() {
        peakLive = live;
        peakReserved = reserved();
    }

    /**
     * Checks every segment's structure ({@link BlockPool#check()}) and that the live bytes add up; returns the
     * live blocks in no particular order. For tests.
     */
    synchronized List<MemoryBlock> check() {
        List<MemoryBlock> out = new ArrayList<>(small.check());
        out.addAll(large.check());
        long sum = 0;
        for (MemoryBlock b : out) {
            if (b.requested > b.bytes()) throw new IllegalStateException(b + " holds a request of " + b.requested + " bytes");
            sum += b.requested;
        }
        if (sum != live) throw new IllegalStateException("live blocks hold requests of " + sum + " bytes, the count says " + live);
        return out;
    }
}
