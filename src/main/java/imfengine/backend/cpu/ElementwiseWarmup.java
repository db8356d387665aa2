package imfengine.backend.cpu;

import imfengine.backend.BinaryOp;
import imfengine.backend.UnaryOp;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets {@link ElementwiseSimd}'s loops compiled by C2 early, on a daemon thread, once per JVM.
 * <p>Why: a training step calls these kernels a few times each, with one long loop per call, so HotSpot
 * counts few invocations and promotes them late: 8 steps of {@code bench --preset xs} left {@code unary},
 * {@code unaryDerivative}, {@code binaryVS} and {@code axpby} in C1's code, where the Vector API is not
 * intrinsified and every vector is a heap object (15–170 ms of an xs step instead of ~2). Many short
 * calls on every op make the counters reach C2's thresholds in milliseconds, with a profile that has
 * seen every branch of the ops' switches. The bits do not depend on the tier ({@code JitTierTest}).
 */
final class ElementwiseWarmup {
    /**
     * Calls per op. C2 takes a method after 5,000 invocations (or 600 and 15,000 invocations + loop turns), and the
     * loops an op delegates to (the exp-based {@code siluLoop}, ...) count their own: at 2,000 calls they stayed in
     * C1's code through the first steps, and C2 would not inline C1's big code into the ops' methods either.
     */
    static final int CALLS = 10_000;
    /** Floats per call: two full vectors (four on AVX2) and a scalar tail: short calls, so the C1-run ones cost little. */
    static final int LENGTH = 16 * 2 + 3;

    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final CountDownLatch DONE = new CountDownLatch(1);

    private ElementwiseWarmup() {}

    /** Starts the warm-up unless it has started in this JVM already, or the JVM has no JIT ({@code -Xint}). */
    static void startOnce() {
        if (System.getProperty("java.vm.info", "").contains("interpreted mode")) return;
        if (STARTED.compareAndSet(false, true)) Thread.ofPlatform().daemon().name("imf-elementwise-warmup").start(() -> {
            try {
                run();
            } finally {
                DONE.countDown();
            }
        });
    }

    /**
     * Waits at most {@code millis} for the warm-up to end (at once if it never started); returns whether it has.
     * It takes a core for a few seconds (its calls run boxed until C2 has compiled them): benchmarks wait, so
     * that it neither slows what they time nor lowers the peak they measure.
     */
    static boolean awaitDone(long millis) throws InterruptedException {
        return !STARTED.get() || DONE.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Runs every op of the loops {@link #CALLS} times on small arrays (positive inputs: LOG and RSQRT stay finite). */
    static void run() {
        float[] x = new float[LENGTH], y = new float[LENGTH], g = new float[LENGTH], out = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            x[i] = 0.5f + i / (float) LENGTH;
            y[i] = 0.25f + i / (2f * LENGTH);
            g[i] = 1f - i / (2f * LENGTH);
        }
        for (int c = 0; c < CALLS; c++) {
            for (UnaryOp op : UnaryOp.values()) {
                ElementwiseSimd.unary(op, x, 0, out, 0, 0, LENGTH);
                ElementwiseSimd.unaryDerivative(op, x, 0, y, 0, g, 0, out, 0, 0, LENGTH);
            }
            for (BinaryOp op : BinaryOp.values()) {
                ElementwiseSimd.binaryVV(op, x, 0, y, 0, out, 0, LENGTH);
                ElementwiseSimd.binaryVS(op, x, 0, 1.5f, out, 0, LENGTH);
            }
            ElementwiseSimd.axpby(0.5f, x, 0, 0f, null, 0, out, 0, 0, LENGTH);
            ElementwiseSimd.axpby(0.5f, x, 0, 2f, y, 0, out, 0, 0, LENGTH);
        }
    }
}
