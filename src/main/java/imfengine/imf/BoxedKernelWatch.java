package imfengine.imf;

import imfengine.backend.cpu.HeapAllocation;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Watches a CPU training run for steps whose Java heap allocation says that the JIT left a Vector API
 * kernel without its intrinsics ({@link HeapAllocation#looksBoxed}): in a few JVMs of ten a kernel stays
 * boxed for the whole run, ~1.6× slower. The first minute (the JIT's own warm-up, when every kernel
 * still allocates) is not judged; after it, the first batch of steps that looks boxed gives one warning.
 */
final class BoxedKernelWatch {
    /** Steps in this first part of the run are not judged. */
    static final double WARM_UP_SECONDS = 60;

    private final LongSupplier heapBytes, flops, clock;
    private final long t0;
    private long lastHeap, lastFlops, lastStep;
    private boolean warned;

    /** {@code heapBytes} and {@code flops}: running totals; {@code clock}: nanoseconds. */
    BoxedKernelWatch(LongSupplier heapBytes, LongSupplier flops, LongSupplier clock, long startStep) {
        this.heapBytes = heapBytes;
        this.flops = flops;
        this.clock = clock;
        this.t0 = clock.getAsLong();
        this.lastHeap = heapBytes.getAsLong();
        this.lastFlops = flops.getAsLong();
        this.lastStep = startStep;
    }

    /** After the steps up to {@code step}: the warning to print, once, when they look boxed. */
    Optional<String> check(long step) {
        long heap = heapBytes.getAsLong(), f = flops.getAsLong(), steps = step - lastStep;
        long heapPerStep = steps > 0 && heap >= 0 && lastHeap >= 0 ? (heap - lastHeap) / steps : -1;
        double flopsPerStep = steps > 0 ? (double) (f - lastFlops) / steps : 0;
        lastHeap = heap;
        lastFlops = f;
        lastStep = step;
        boolean judged = (clock.getAsLong() - t0) / 1e9 >= WARM_UP_SECONDS;
        if (warned || !judged || !HeapAllocation.looksBoxed(heapPerStep, flopsPerStep)) return Optional.empty();
        warned = true;
        return Optional.of(String.format(Locale.ROOT, "warning: each step allocates %.0f MiB of Java heap (%.1f MiB per GFLOP): in this JVM a "
                + "Vector API kernel runs without its intrinsics, slower than the code can; stopping (Ctrl-C writes the checkpoint) "
                + "and going on with --resume in a new JVM usually gets the speed back", heapPerStep / 1048576.0,
                HeapAllocation.mibPerGflop(heapPerStep, flopsPerStep)));
    }
}
