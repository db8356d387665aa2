package imfengine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link DeviceAllocator} on a {@link FakeDevice}: size classes, splitting, merging, no overlap, the flush when memory runs out. */
class DeviceAllocatorTest {
    private static final long KIB = 1024, MIB = 1024 * KIB;

    private final FakeDevice device = new FakeDevice(1L << 40);
    private final DeviceAllocator allocator = new DeviceAllocator(device);

    @Test void requestsRoundUpTo512BytesAndPickTheirPoolsSegment() {
        MemoryBlock tiny = allocator.allocate(1);
        assertEquals(512, tiny.bytes());
        assertEquals(2 * MIB, allocator.stats().reservedBytes(), "small requests share 2 MiB segments");
        MemoryBlock quarter = allocator.allocate(256 * KIB);
        assertEquals(tiny.end(), quarter.address(), "cut from the same small segment, right after the first block");
        assertEquals(1, device.allocateCalls);
        assertEquals(20 * MIB, DeviceAllocator.segmentFor(256 * KIB + 512, 0), "large segments are at least 20 MiB");
        assertEquals(32 * MIB, DeviceAllocator.segmentFor(30 * MIB + 512, 0), "at least the request, rounded up to 2 MiB");
        assertEquals(100 * MIB, DeviceAllocator.segmentFor(MIB, 800 * MIB), "at least an eighth of the large pool");
        assertEquals(2 * MIB, DeviceAllocator.segmentFor(100, 800 * MIB), "the small pool does not grow that way");
        assertEquals(2 * MIB, DeviceAllocator.minimalSegment(MIB));
        MemoryBlock odd = allocator.allocate(21 * MIB + 900 * KIB); // a 22 MiB segment; the 124 KiB rest is not split off
        assertEquals(22 * MIB, odd.bytes());
        assertEquals(24 * MIB, allocator.stats().reservedBytes());
        MemoryBlock mid = allocator.allocate(MIB + 1);
        assertEquals(MIB + 512, mid.bytes());
        assertEquals(44 * MIB, allocator.stats().reservedBytes(), "a new 20 MiB segment");
        MemoryBlock big = allocator.allocate(10 * MIB);
        assertEquals(mid.end(), big.address(), "cut from the rest of that segment: no new one");
        assertEquals(3, device.allocateCalls);
        allocator.allocate(200 * MIB);
        allocator.allocate(30 * MIB); // does not fit the ~9 MiB left: a segment of an eighth of the 244 MiB held, rounded up
        assertEquals(276 * MIB, allocator.stats().reservedBytes());
        allocator.check();
    }

    @Test void aFreeBlockIsSplitForSmallerRequestsAndMergedBackWhenTheyReturn() {
        MemoryBlock big = allocator.allocate(12 * MIB);
        long base = big.address();
        allocator.free(big);
        MemoryBlock a = allocator.allocate(3 * MIB), b = allocator.allocate(4 * MIB), c = allocator.allocate(5 * MIB - KIB);
        assertEquals(List.of(base, base + 3 * MIB, base + 7 * MIB), List.of(a.address(), b.address(), c.address()), "cut in order from the one segment");
        assertEquals(1, device.allocateCalls);
        allocator.free(a);
        allocator.free(c);
        allocator.check();
        allocator.free(b); // merges with both neighbours: the segment is one free block again
        allocator.check();
        MemoryBlock again = allocator.allocate(12 * MIB);
        assertEquals(base, again.address(), "the merged block serves the whole size again");
        assertEquals(1, device.allocateCalls);
        assertEquals(0, device.freeCalls);
    }

    @Test void bestFitTakesTheSmallestFreeBlockThatFits() {
        List<MemoryBlock> blocks = new ArrayList<>();
        for (long kib : new long[]{64, 8, 256, 8, 32, 8}) blocks.add(allocator.allocate(kib * KIB));
        allocator.free(blocks.get(0)); // free: 64 KiB, 256 KiB, 32 KiB holes between 8 KiB blocks, and the segment's rest
        allocator.free(blocks.get(2));
        allocator.free(blocks.get(4));
        assertEquals(blocks.get(4).address(), allocator.allocate(20 * KIB).address(), "the 32 KiB hole, not the first one");
        assertEquals(blocks.get(0).address(), allocator.allocate(64 * KIB).address(), "an exact fit");
        assertEquals(blocks.get(2).address(), allocator.allocate(200 * KIB).address());
        allocator.check();
    }

    @Test void aBlockFreedTwiceOrAfterItWasMergedIsRefused() {
        MemoryBlock a = allocator.allocate(KIB), b = allocator.allocate(KIB);
        allocator.free(a);
        assertThrows(IllegalStateException.class, () -> allocator.free(a));
        allocator.free(b); // merges a's free block
        MemoryBlock c = allocator.allocate(2 * KIB); // the same memory as a, as a new block
        assertEquals(a.address(), c.address());
        assertThrows(IllegalStateException.class, () -> allocator.free(a), "a stale handle must not free c");
        allocator.free(c);
        allocator.check();
    }

    /** Random requests in both pools, returned in random order: after every call, live blocks never overlap and the structure holds. */
    @Test void liveBlocksNeverOverlap() {
        SplittableRandom r = new SplittableRandom(20261130);
        List<MemoryBlock> live = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            if (!live.isEmpty() && r.nextInt(5) < 2) {
                allocator.free(live.remove(r.nextInt(live.size())));
            } else {
                long bytes = switch (r.nextInt(3)) {
                    case 0 -> 1 + r.nextInt(4096);
                    case 1 -> 1 + r.nextLong(2 * MIB);
                    default -> 1 + r.nextLong(24 * MIB);
                };
                MemoryBlock b = allocator.allocate(bytes);
                assertTrue(b.bytes() >= bytes);
                live.add(b);
            }
            List<MemoryBlock> all = allocator.check();
            assertEquals(live.size(), all.size());
            all.sort(Comparator.comparingLong(MemoryBlock::address));
            for (int k = 1; k < all.size(); k++)
                assertTrue(all.get(k - 1).end() <= all.get(k).address(), "overlap: " + all.get(k - 1) + " and " + all.get(k));
        }
        for (MemoryBlock b : live) allocator.free(b);
        allocator.emptyCache();
        assertEquals(0, allocator.stats().reservedBytes(), "every segment is one free block again, and goes back");
        assertEquals(0, device.used());
    }

    @Test void outOfMemoryReturnsTheFreeSegmentsOnceAndRetries() {
        FakeDevice small = new FakeDevice(40 * MIB);
        DeviceAllocator a = new DeviceAllocator(small);
        MemoryBlock x = a.allocate(16 * MIB), y = a.allocate(16 * MIB);
        a.free(x);
        a.free(y);
        MemoryBlock z = a.allocate(30 * MIB); // neither 16 MiB block fits, and 30 more do not fit beside them
        assertEquals(1, a.stats().flushes());
        assertEquals(2, a.stats().segmentsReleased());
        assertEquals(30 * MIB, a.stats().reservedBytes());
        assertTrue(small.synchronizeCalls > 0, "the flush waits for the device before freeing");
        CudaException e = assertThrows(CudaException.class, () -> a.allocate(12 * MIB));
        assertTrue(e.getMessage().startsWith("out of device memory: a segment of " + 12 * MIB + " bytes did not fit beside " + 30 * MIB
                + " bytes reserved (" + 30 * MIB + " live)"), e.getMessage());
        a.free(z);
        a.check();
    }

    @Test void withoutRoomForTheGrowthTheRequestsOwnSizeIsTriedBeforeAFlush() {
        FakeDevice small = new FakeDevice(40 * MIB);
        DeviceAllocator a = new DeviceAllocator(small);
        a.allocate(25 * MIB); // a 26 MiB segment
        MemoryBlock b = a.allocate(10 * MIB); // 20 MiB would not fit beside it; 10 MiB does
        assertEquals(10 * MIB, b.bytes());
        assertEquals(36 * MIB, a.stats().reservedBytes());
        assertEquals(0, a.stats().flushes());
        a.check();
    }

    @Test void statsReportReservedLiveAndTheirPeaks() {
        MemoryBlock a = allocator.allocate(3 * MIB), b = allocator.allocate(100 * KIB + 1);
        assertEquals(100 * KIB + 512, b.bytes());
        AllocatorStats s = allocator.stats();
        assertEquals(22 * MIB, s.reservedBytes());
        assertEquals(3 * MIB + 100 * KIB + 1, s.liveBytes(), "live counts the bytes asked for, not their rounding");
        allocator.free(a);
        s = allocator.stats();
        assertEquals(100 * KIB + 1, s.liveBytes());
        assertEquals(3 * MIB + 100 * KIB + 1, s.peakLiveBytes());
        assertEquals(22 * MIB, s.peakReservedBytes());
        assertEquals(22 * MIB - 100 * KIB - 1, s.cachedBytes());
        allocator.emptyCache(); // the large segment goes; the small one holds b
        allocator.resetPeaks();
        s = allocator.stats();
        assertEquals(new AllocatorStats(2 * MIB, 100 * KIB + 1, 2 * MIB, 100 * KIB + 1, 2, 1, 1), s);
        allocator.free(b);
        assertEquals(0, allocator.stats().liveBytes());
    }
}
