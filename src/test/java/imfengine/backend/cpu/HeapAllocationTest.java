package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code bench}'s check for runs whose heap allocation says a Vector API kernel ran boxed. */
class HeapAllocationTest {
    private static final long MIB = 1 << 20;
    private static final double XS_STEP_FLOPS = 89.35e9;

    @Test void theRunsMeasuredOnZen3() {
        assertFalse(HeapAllocation.looksBoxed(46 * MIB, XS_STEP_FLOPS), "healthy xs step");
        assertTrue(HeapAllocation.looksBoxed(514 * MIB, XS_STEP_FLOPS), "B packing boxed");
        assertTrue(HeapAllocation.looksBoxed(11930 * MIB, XS_STEP_FLOPS), "a kernel of the step boxed");
    }

    @Test void smallRowsAndRowsWithoutFlopsAreNotFlagged() {
        assertFalse(HeapAllocation.looksBoxed(40 * MIB, 0.01e9), "tiny preset: many MiB per GFLOP, little in all");
        assertFalse(HeapAllocation.looksBoxed(1024 * MIB, 0), "no FLOPs counted");
        assertFalse(HeapAllocation.looksBoxed(-1, XS_STEP_FLOPS), "not counted by this JVM");
    }

    @Test void thisJvmCountsAllocationAndTheCountGrows() {
        long before = HeapAllocation.totalBytes();
        byte[][] keep = new byte[64][];
        for (int i = 0; i < keep.length; i++) keep[i] = new byte[1 << 16];
        long after = HeapAllocation.totalBytes();
        assertTrue(before >= 0, "HotSpot counts per-thread allocation");
        assertTrue(after - before >= (long) keep.length << 16, (after - before) + " bytes for " + keep.length + " arrays of 64 KiB");
    }
}
