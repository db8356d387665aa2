package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.atomic.DoubleAdder;

/**
 * The machine's empirical fp32 peak: register-only FMAs on 12 independent accumulators (enough to
 * cover FMA latency × throughput), no memory traffic, on every requested thread at once. The
 * {@code bench} command divides its GFLOP/s by this; JMH's {@code FmaPeakBench} times the same loop.
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int ACC = 12;

    private FmaPeak() {}

    /** Floating-point operations of one {@link #loop} call of {@code steps} steps. */
    public static double flops(int steps) { return 2.0 * ACC * S.length() * steps; }

    /** {@code steps} rounds of 12 vector FMAs; returns a value that depends on all of them. */
    public static float loop(float x, float y, int steps) {
        FloatVector m = FloatVector.broadcast(S, x), a = FloatVector.broadcast(S, y);
        FloatVector c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (int i = 0; i < steps; i++) {
            c0 = c0.fma(m, a); c1 = c1.fma(m, a); c2 = c2.fma(m, a); c3 = c3.fma(m, a);
            c4 = c4.fma(m, a); c5 = c5.fma(m, a); c6 = c6.fma(m, a); c7 = c7.fma(m, a);
            c8 = c8.fma(m, a); c9 = c9.fma(m, a); c10 = c10.fma(m, a); c11 = c11.fma(m, a);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }

    /**
     * GFLOP/s of {@code threads} threads running the loop together for about {@code millis} ms after a
     * short warm-up (the best of three equal slices, so a slice disturbed by other work is ignored).
     */
    public static double measureGflops(int threads, long millis) throws InterruptedException {
        int steps = 1 << 14;
        long until = System.nanoTime() + millis / 4 * 1_000_000;
        while (System.nanoTime() < until) loop(0.999f, 1e-4f, steps); // warm-up: C2 compiles the loop
        double best = 0;
        for (int slice = 0; slice < 3; slice++) {
            DoubleAdder flops = new DoubleAdder();
            long sliceNanos = millis / 4 * 1_000_000, t0 = System.nanoTime();
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                ts[t] = Thread.ofPlatform().start(() -> {
                    float sink = 0;
                    while (System.nanoTime() - t0 < sliceNanos) {
                        sink += loop(0.999f, 1e-4f, steps);
                        flops.add(flops(steps));
                    }
                    if (sink == 42f) System.out.print(""); // keeps the result alive
                });
            }
            for (Thread t : ts) t.join();
            best = Math.max(best, flops.sum() / ((System.nanoTime() - t0) * 1e-9) / 1e9);
        }
        return best;
    }
}
