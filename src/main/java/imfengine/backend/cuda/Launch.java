package imfengine.backend.cuda;

/**
 * A kernel's launch geometry: a grid of {@code gridX × gridY} blocks of {@code blockX × blockY}
 * threads, with {@code sharedBytes} of dynamic shared memory per block.
 */
public record Launch(int gridX, int gridY, int blockX, int blockY, int sharedBytes) {
    /** Threads per block of the 1-D grid-stride kernels. */
    public static final int THREADS = 256;
    /** Cap on 1-D grid size; grid-stride loops cover the rest. */
    static final long MAX_BLOCKS = 1L << 20;
    /** Dynamic shared memory a kernel may use without opting in. */
    public static final int DEFAULT_SHARED = 48 * 1024;
    /** What every sm_80 / sm_90 device allows after opting in. */
    public static final int MAX_SHARED = 99 * 1024;

    public Launch {
        if (gridX < 1 || gridY < 1 || gridY > 65535) throw new IllegalArgumentException("launch: grid " + gridX + "×" + gridY);
        if (blockX < 1 || blockY < 1 || blockX * blockY > 1024) throw new IllegalArgumentException("launch: block " + blockX + "×" + blockY);
        if (sharedBytes < 0 || sharedBytes > MAX_SHARED)
            throw new IllegalArgumentException("launch: " + sharedBytes + " bytes of shared memory (the limit is " + MAX_SHARED + ")");
    }

    /** A 1-D grid-stride launch over {@code n > 0} items: blocks of {@link #THREADS}, at least 1, at most {@link #MAX_BLOCKS}. */
    public static Launch gridStride(long n) {
        return new Launch((int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS)), 1, THREADS, 1, 0);
    }
}
