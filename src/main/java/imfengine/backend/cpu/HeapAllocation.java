package imfengine.backend.cpu;

import java.lang.management.ManagementFactory;

/**
 * Bytes the JVM's threads have allocated on the heap since it started, all threads together
 * ({@code com.sun.management.ThreadMXBean}), or -1 where the JVM does not count them.
 */
public final class HeapAllocation {
    /**
     * A run that allocated more than this per GFLOP, and more than {@link #BOXED_MIN_BYTES} in all, ran a
     * Vector API kernel that C2 left without its intrinsics: such a kernel allocates a vector box per
     * operation. Healthy (2-vCPU Zen 3, 2026-12-02): the xs step ~46 MiB per run (~0.5 MiB per GFLOP: tensors,
     * tapes), its attention rows ~1.5 MiB per GFLOP; steps with one kernel boxed: 514 MiB (5.8 per GFLOP, the
     * B packing) and 11930 MiB (134 per GFLOP).
     */
    static final double BOXED_MIB_PER_GFLOP = 4;
    /** ... and at least this much per run, so that small rows (the tiny preset: MFLOPs) are not flagged. */
    static final long BOXED_MIN_BYTES = 256L << 20;

    private HeapAllocation() {}

    /** Whether a run that allocated {@code bytes} on the heap for {@code flops} looks like a boxed kernel. */
    public static boolean looksBoxed(long bytes, double flops) {
        return bytes > BOXED_MIN_BYTES && flops > 0 && mibPerGflop(bytes, flops) > BOXED_MIB_PER_GFLOP;
    }

    /** MiB of heap per GFLOP, the figure {@link #looksBoxed} judges (for its callers' warnings). */
    public static double mibPerGflop(long bytes, double flops) { return bytes / 1048576.0 / (flops / 1e9); }

    public static long totalBytes() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t)) return -1;
        try {
            return t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled() ? t.getTotalThreadAllocatedBytes() : -1;
        } catch (UnsupportedOperationException e) {
            return -1;
        }
    }
}
