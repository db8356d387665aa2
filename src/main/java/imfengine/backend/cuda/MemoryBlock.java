package imfengine.backend.cuda;

/**
 * A piece of one device allocation (a segment of a {@link BlockPool}): its address and size, its neighbours
 * in the segment (address order), and whether it is live (handed out), free (cached) or gone (split or merged
 * into other blocks). A block is created live or free and never returns to live: handing out a free block
 * makes a new block, so a freed handle can never be freed again by mistake into someone else's memory.
 */
final class MemoryBlock {
    enum State { LIVE, FREE, GONE }

    private final long address, bytes;
    final BlockPool.Segment segment;
    MemoryBlock prev, next;
    State state;
    /** While live: the bytes its owner asked for (at most {@link #bytes()}). */
    long requested;

    MemoryBlock(long address, long bytes, BlockPool.Segment segment, State state) {
        this.address = address;
        this.bytes = bytes;
        this.segment = segment;
        this.state = state;
    }

    /** The device address of the first byte. */
    long address() { return address; }

    /** Its size: the request rounded up (and, when the rest was too small to split off, a little more). */
    long bytes() { return bytes; }

    long end() { return address + bytes; }

    @Override public String toString() { return state + " block of " + bytes + " bytes at 0x" + Long.toHexString(address); }
}
