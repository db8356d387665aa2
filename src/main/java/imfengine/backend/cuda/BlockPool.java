package imfengine.backend.cuda;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static imfengine.backend.cuda.MemoryBlock.State.FREE;
import static imfengine.backend.cuda.MemoryBlock.State.GONE;
import static imfengine.backend.cuda.MemoryBlock.State.LIVE;

/**
 * The segments (device allocations) of one size class of {@link DeviceAllocator} and the blocks they are cut
 * into: a request takes the smallest free block that fits (the lowest address among equal sizes, so a run is
 * reproducible), split when the rest is at least {@code minRemainder}; a returned block merges with its free
 * neighbours, so a segment whose blocks are all returned is one free block again. No device calls here: the
 * allocator adds segments and takes back whole free ones.
 */
final class BlockPool {
    /** One device allocation and its first block (blocks chain by {@code next} in address order). */
    static final class Segment {
        final long base, bytes;
        final BlockPool pool;
        MemoryBlock first;

        Segment(long base, long bytes, BlockPool pool) {
            this.base = base;
            this.bytes = bytes;
            this.pool = pool;
        }
    }

    private static final Comparator<MemoryBlock> BEST_FIT = Comparator.comparingLong(MemoryBlock::bytes).thenComparingLong(MemoryBlock::address);

    private final long minRemainder;
    private final TreeSet<MemoryBlock> free = new TreeSet<>(BEST_FIT);
    private final Map<Long, Segment> segments = new LinkedHashMap<>();
    private long reservedBytes, freeBytes;

    /** A pool that splits a block when at least {@code minRemainder} bytes would be left over. */
    BlockPool(long minRemainder) { this.minRemainder = minRemainder; }

    /** Adds a segment of {@code bytes} at {@code base}, all free. */
    void addSegment(long base, long bytes) {
        Segment s = new Segment(base, bytes, this);
        MemoryBlock b = new MemoryBlock(base, bytes, s, FREE);
        s.first = b;
        segments.put(base, s);
        free.add(b);
        reservedBytes += bytes;
        freeBytes += bytes;
    }

    /** A live block of at least {@code bytes} cut from the best-fitting free block, or null when none fits. */
    MemoryBlock take(long bytes) {
        MemoryBlock f = free.ceiling(new MemoryBlock(0, bytes, null, GONE));
        if (f == null) return null;
        free.remove(f);
        freeBytes -= f.bytes();
        long rest = f.bytes() - bytes;
        if (rest > 0 && rest >= minRemainder) {
            MemoryBlock live = new MemoryBlock(f.address(), bytes, f.segment, LIVE), remainder = new MemoryBlock(f.address() + bytes, rest, f.segment, FREE);
            replace(f, f, live, remainder);
            free.add(remainder);
            freeBytes += rest;
            return live;
        }
        MemoryBlock live = new MemoryBlock(f.address(), f.bytes(), f.segment, LIVE);
        replace(f, f, live);
        return live;
    }

    /** Takes back a live block of this pool, merged with the free blocks on either side. */
    void put(MemoryBlock b) {
        if (b.state != LIVE || b.segment.pool != this) throw new IllegalStateException("free of a " + b + " that is not live here (freed twice?)");
        MemoryBlock first = b.prev != null && b.prev.state == FREE ? b.prev : b, last = b.next != null && b.next.state == FREE ? b.next : b;
        for (MemoryBlock n : new MemoryBlock[]{first, last})
            if (n != b) {
                free.remove(n);
                freeBytes -= n.bytes();
            }
        MemoryBlock merged = new MemoryBlock(first.address(), last.end() - first.address(), b.segment, FREE);
        replace(first, last, merged);
        free.add(merged);
        freeBytes += merged.bytes();
    }

    /** Removes every segment that is one free block and returns their base addresses (for the device to free). */
    List<Long> takeFreeSegments() {
        List<Long> out = new ArrayList<>();
        for (var it = segments.values().iterator(); it.hasNext(); ) {
            Segment s = it.next();
            if (s.first.state != FREE || s.first.next != null) continue;
            free.remove(s.first);
            s.first.state = GONE;
            freeBytes -= s.bytes;
            reservedBytes -= s.bytes;
            out.add(s.base);
            it.remove();
        }
        return out;
    }

    /** Replaces the chain {@code from..to} of one segment by {@code with} (in address order). */
    private static void replace(MemoryBlock from, MemoryBlock to, MemoryBlock... with) {
        MemoryBlock before = from.prev, after = to.next;
        for (MemoryBlock n = from; ; n = n.next) {
            n.state = GONE;
            if (n == to) break;
        }
        MemoryBlock prev = before;
        for (MemoryBlock n : with) {
            n.prev = prev;
            if (prev == null) n.segment.first = n;
            else prev.next = n;
            prev = n;
        }
        prev.next = after;
        if (after != null) after.prev = prev;
    }

    long reservedBytes() { return reservedBytes; }

    long freeBytes() { return freeBytes; }

    /**
     * Checks the structure (for tests): each segment is tiled by its blocks, in order, without gap or overlap;
     * no two free blocks are neighbours (returns merge); the free set holds exactly the free blocks; the byte
     * counts agree. Returns the live blocks.
     */
    List<MemoryBlock> check() {
        List<MemoryBlock> live = new ArrayList<>();
        long reserved = 0, freeSum = 0;
        int freeCount = 0;
        for (Segment s : segments.values()) {
            long at = s.base;
            MemoryBlock prev = null;
            for (MemoryBlock n = s.first; n != null; prev = n, n = n.next) {
                if (n.address() != at || n.prev != prev || n.segment != s) throw new IllegalStateException("segment 0x" + Long.toHexString(s.base) + " broken at " + n);
                if (n.state == GONE) throw new IllegalStateException("a gone block is still linked: " + n);
                if (n.state == FREE) {
                    if (prev != null && prev.state == FREE) throw new IllegalStateException("free neighbours not merged: " + prev + ", " + n);
                    if (!free.contains(n)) throw new IllegalStateException("a free block missing from the free set: " + n);
                    freeCount++;
                    freeSum += n.bytes();
                } else {
                    live.add(n);
                }
                at = n.end();
            }
            if (at != s.base + s.bytes) throw new IllegalStateException("segment 0x" + Long.toHexString(s.base) + " covers " + (at - s.base) + " of " + s.bytes + " bytes");
            reserved += s.bytes;
        }
        if (freeCount != free.size() || freeSum != freeBytes || reserved != reservedBytes)
            throw new IllegalStateException("counts: " + freeCount + " free blocks vs " + free.size() + " in the set, " + freeSum + " free bytes vs "
                    + freeBytes + ", " + reserved + " reserved vs " + reservedBytes);
        return live;
    }
}
