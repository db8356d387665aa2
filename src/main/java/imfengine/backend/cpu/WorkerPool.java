package imfengine.backend.cpu;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool over the machine's cores. {@link #parallelFor} splits {@code [0, n)} into at most
 * one contiguous chunk per thread (for bodies that index per-chunk state); {@link #parallelForGuided}
 * and {@link #parallelForClaimed} let the threads claim ranges one at a time, so a thread that starts
 * late or loses its core for a while holds the call up less. The calling thread always works too.
 * Calls made from inside a chunk (a worker's or the caller's), or while another thread's call holds the
 * pool, run serially on the calling thread, so kernels may nest without oversubscribing or deadlocking.
 *
 * <p>Hand-offs are what a training step does thousands of times (~1150 multi-threaded calls per xs step), so
 * the threads wait for each other by spinning for up to {@link #SPIN_NANOS} before they park: on the 2-vCPU
 * KVM guests a parked thread took 60–140 µs to wake (a per-call trace), about what a small kernel runs.
 * A spinning worker only burns its own core, which the pool would use next anyway.
 */
public final class WorkerPool {
    /** Body of a parallel loop over {@code [from, to)}. */
    @FunctionalInterface
    public interface Range { void run(int from, int to); }

    /**
     * How long a thread spins for the next task (a worker) or for the other chunks (the caller) before it
     * parks: {@code -Dimf.pool.spinMicros}, default 100.
     */
    static final long SPIN_NANOS = 1000L * Math.max(0, Integer.getInteger("imf.pool.spinMicros", 100));
    /** Stops an unreachable pool's workers. */
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "imf-cpu-cleaner");
        t.setDaemon(true);
        return t;
    });

    private final int threads;
    private final Worker[] workers;
    /** Held by the one call that has the workers; others (and nested calls) run serially. */
    private final AtomicBoolean inUse = new AtomicBoolean();

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("imf-cpu-" + (i + 1));
            workers[i].start();
        }
        Worker[] stop = workers; // not this: the cleaning action must not keep the pool reachable
        CLEANER.register(this, () -> { for (Worker w : stop) w.shutDown(); });
    }

    public int threads() { return threads; }

    /** Runs {@code body} over {@code [0, n)} split in chunks of at least {@code grain} items. */
    public void parallelFor(int n, int grain, Range body) {
        if (n <= 0) return;
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || !inUse.compareAndSet(false, true)) { // nested in a chunk of this pool's call, or another thread's call
            body.run(0, n);
            return;
        }
        try {
            // Completion is counted by the chunks themselves, and a failing chunk only stores its throwable:
            // a worker that runs out of memory must still count down, or the caller would wait forever.
            Call call = new Call(chunks - 1);
            for (int c = 1; c < chunks; c++) {
                int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks), slot = c;
                workers[c - 1].post(() -> {
                    try {
                        body.run(from, to);
                    } catch (Throwable e) {
                        call.failures[slot] = e;
                    } finally {
                        call.countDown();
                    }
                });
            }
            try {
                body.run(0, (int) ((long) n / chunks));
            } catch (Throwable e) {
                call.failures[0] = e;
            }
            call.await();
            for (Throwable f : call.failures) {
                if (f instanceof RuntimeException r) throw r;
                if (f instanceof Error e) throw e;
                if (f != null) throw new IllegalStateException(f);
            }
        } finally {
            inUse.set(false);
        }
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into {@code chunks} equal ranges (at most {@code n}) that
     * the pool's threads claim one at a time until none is left. On a shared machine a thread that loses
     * its core then delays the call by one chunk, not by its whole share as {@link #parallelFor}'s static
     * split would. Which thread runs a chunk varies; what a chunk computes does not.
     */
    public void parallelForClaimed(int n, int chunks, Range body) {
        int parts = Math.min(n, chunks);
        if (parts <= 0) return;
        AtomicInteger next = new AtomicInteger();
        parallelFor(Math.min(threads, parts), 1, (unused, alsoUnused) -> {
            for (int ch = next.getAndIncrement(); ch < parts; ch = next.getAndIncrement())
                body.run((int) ((long) n * ch / parts), (int) ((long) n * (ch + 1) / parts));
        });
    }

    /**
     * Runs {@code body} over {@code [0, n)} in ranges the threads claim one at a time, each {@code 1/(2·threads)}
     * of what is left (at least {@code minChunk}): long ranges first, short ones last, so the threads finish
     * close together at few hand-offs. For bodies whose result does not depend on how {@code [0, n)} is cut.
     * The calling thread starts at once and a worker joins when it is there: with static halves
     * ({@link #parallelFor}) the caller waited out a worker that started late. With {@link #parallelForClaimed}'s
     * equal ranges the thread done first waits on average half a range. The ranges are the same in every run
     * (each starts where the previous one ended, its length follows from that); which thread runs one varies.
     * Runs serially below {@code 2·minChunk}, as {@link #parallelFor} does below {@code 2·grain}.
     */
    public void parallelForGuided(int n, int minChunk, Range body) {
        if (n <= 0) return;
        int min = Math.max(1, minChunk), share = 2 * threads;
        AtomicInteger next = new AtomicInteger();
        parallelFor(Math.min(threads, Math.max(1, n / min)), 1, (unused, alsoUnused) -> {
            for (int from = next.get(); from < n; from = next.get()) {
                int to = guidedEnd(from, n, min, share);
                if (next.compareAndSet(from, to)) body.run(from, to);
            }
        });
    }

    /** End of the guided range that starts at {@code from}. */
    static int guidedEnd(int from, int n, int min, int share) {
        int left = n - from;
        return from + Math.min(left, Math.max(min, (left + share - 1) / share));
    }

    /**
     * One call's chunks on the workers: the caller waits for {@code pending} to reach 0, spinning first, then
     * parked (the last chunk unparks it). The volatile write of {@code parked} before reading {@code pending},
     * against the chunk's decrement before reading {@code parked}, means one of the two always sees the other.
     */
    private static final class Call {
        final Throwable[] failures;
        final AtomicInteger pending;
        final Thread caller = Thread.currentThread();
        volatile boolean parked;

        Call(int workerChunks) {
            failures = new Throwable[workerChunks + 1];
            pending = new AtomicInteger(workerChunks);
        }

        void countDown() {
            if (pending.decrementAndGet() == 0 && parked) LockSupport.unpark(caller);
        }

        void await() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (pending.get() > 0 && System.nanoTime() - spinUntil < 0) Thread.onSpinWait();
            while (pending.get() > 0) {
                parked = true;
                if (pending.get() > 0) LockSupport.park(this);
                parked = false;
            }
        }
    }

    /**
     * A pool thread: runs the tasks posted to it one at a time; between them it spins for the next, then
     * parks. Same handshake as {@link Call}: the poster writes {@code task} then reads {@code parked}, the
     * worker writes {@code parked} then reads {@code task}.
     */
    private static final class Worker extends Thread {
        private volatile Runnable task;
        private volatile boolean parked, shutDown;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        /** Hands this (idle) worker a task; only the pool's call in progress posts, one task at a time. */
        void post(Runnable r) {
            task = r;
            if (parked) LockSupport.unpark(this);
        }

        void shutDown() {
            shutDown = true;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (!shutDown) {
                Runnable t = nextTask();
                if (t == null) continue;
                task = null; // before running it: its last act lets the caller post the next one
                t.run();
            }
        }

        private Runnable nextTask() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            for (Runnable t = task; ; t = task) {
                if (t != null) return t;
                if (System.nanoTime() - spinUntil >= 0) break;
                Thread.onSpinWait();
            }
            parked = true;
            while (task == null && !shutDown) LockSupport.park(this);
            parked = false;
            return task;
        }
    }
}
