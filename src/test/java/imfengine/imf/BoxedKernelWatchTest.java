package imfengine.imf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The training run's watch for steps that allocate as a boxed Vector API kernel does. */
class BoxedKernelWatchTest {
    private static final long MIB = 1 << 20, SECOND = 1_000_000_000L, XS_STEP_FLOPS = 89_347_100_000L;

    /** Running totals the watch reads, advanced by the test. */
    private long heap, flops, now;

    private BoxedKernelWatch watch() { return new BoxedKernelWatch(() -> heap, () -> flops, () -> now, 0); }

    private Optional<String> tenSteps(BoxedKernelWatch w, long step, long mibPerStep, long seconds) {
        heap += 10 * mibPerStep * MIB;
        flops += 10 * XS_STEP_FLOPS;
        now += seconds * SECOND;
        return w.check(step);
    }

    @Test void boxedStepsAfterTheWarmUpWarnOnce() {
        BoxedKernelWatch w = watch();
        assertEquals(Optional.empty(), tenSteps(w, 10, 11930, 30), "the JIT's warm-up is not judged");
        assertEquals(Optional.empty(), tenSteps(w, 20, 11930, 25));
        Optional<String> warning = tenSteps(w, 30, 11930, 30);
        assertTrue(warning.isPresent());
        assertTrue(warning.get().startsWith("warning: each step allocates 11930 MiB of Java heap (133.5 MiB per GFLOP)"), warning.get());
        assertEquals(Optional.empty(), tenSteps(w, 40, 11930, 30), "once");
    }

    @Test void healthyStepsNeverWarn() {
        BoxedKernelWatch w = watch();
        for (int s = 10; s <= 200; s += 10) assertEquals(Optional.empty(), tenSteps(w, s, 46, 20));
    }

    @Test void onlyTheStepsSinceTheLastCheckCount() {
        BoxedKernelWatch w = watch();
        tenSteps(w, 10, 11930, 50);                              // boxed while the JIT warmed up, not judged
        assertEquals(Optional.empty(), tenSteps(w, 20, 46, 20)); // then healthy: the warm-up's heap is not counted again
        assertTrue(tenSteps(w, 30, 600, 20).isPresent(), "B packing boxed: 600 MiB per step");
    }
}
