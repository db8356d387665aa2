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

    /**
     * {@code steps} rounds of 12 vector FMAs; returns a value that depends on all of them. Each accumulator
     * is the FMA's addend ({@code c = m·a + c}), the one operand x86's {@code vfmadd231ps} overwrites: with
     * {@code c·m + a} C2 copied {@code a} into a fresh register before every FMA, ran out of the 16 ymm
     * registers of AVX2, kept the accumulators in stack slots and chained four FMAs per slot, and the loop
     * measured ~60 % of the peak (on a Zen 3 core 52–57 GFLOP/s while OpenBLAS's sgemm ran 68; the addend
     * form 81–93). With AVX-512's 32 registers the old form had read the theoretical peak (231 on Zen 4).
     * The accumulators start from constants of their own, written out here: once C2 had compiled the threads'
     * body of {@link #measureGflops} with this loop inlined (after ~4 s of measuring in one JVM), starts equal
     * to {@code a}, or made by a small helper method (one more inlining level), ran the loop at half speed:
     * 2 threads on Zen 3 went from ~180 to 70–86 GFLOP/s, one from ~92 to ~40, so a later reading of the
     * peak came out half the first. With {@code CompileCommand=dontinline} on this method, or with these
     * starts, it stayed at ~180 / ~92 over 9 s of readings (2026-12-02).
     */
    public static float loop(float x, float y, int steps) {
        FloatVector m = FloatVector.broadcast(S, x), a = FloatVector.broadcast(S, y);
        FloatVector c0 = FloatVector.broadcast(S, 0f), c1 = FloatVector.broadcast(S, 1f), c2 = FloatVector.broadcast(S, 2f), c3 = FloatVector.broadcast(S, 3f),
                c4 = FloatVector.broadcast(S, 4f), c5 = FloatVector.broadcast(S, 5f), c6 = FloatVector.broadcast(S, 6f), c7 = FloatVector.broadcast(S, 7f),
                c8 = FloatVector.broadcast(S, 8f), c9 = FloatVector.broadcast(S, 9f), c10 = FloatVector.broadcast(S, 10f), c11 = FloatVector.broadcast(S, 11f);
        for (int i = 0; i < steps; i++) {
            c0 = m.fma(a, c0); c1 = m.fma(a, c1); c2 = m.fma(a, c2); c3 = m.fma(a, c3);
            c4 = m.fma(a, c4); c5 = m.fma(a, c5); c6 = m.fma(a, c6); c7 = m.fma(a, c7);
            c8 = m.fma(a, c8); c9 = m.fma(a, c9); c10 = m.fma(a, c10); c11 = m.fma(a, c11);
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
