package imfengine.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed pool over the machine's cores. {@link #parallelFor} splits {@code [0, n)} into at most
 * one contiguous chunk per thread (for bodies that index per-chunk state); {@link #parallelForGuided}
 * and {@link #parallelForClaimed} let the threads claim ranges one at a time, so a thread that starts
 * late or loses its core for a while holds the call up less. The calling thread always works too.
 * Calls made from inside a worker run serially, so kernels may nest without oversubscribing.
 */
public final class WorkerPool {
    /** Body of a parallel loop over {@code [from, to)}. */
    @FunctionalInterface
    public interface Range { void run(int from, int to); }

    private final int threads;
    private final ForkJoinPool pool;

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads, p -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setDaemon(true);
            t.setName("imf-cpu-" + t.getPoolIndex());
            return t;
        }, null, false);
    }

    public int threads() { return threads; }

    /** Runs {@code body} over {@code [0, n)} split in chunks of at least {@code grain} items. */
    public void parallelFor(int n, int grain, Range body) {
        if (n <= 0) return;
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || pool == null || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        // Completion is counted by the chunks themselves, and a failing chunk only stores its throwable:
        // a worker that runs out of memory must still count down, or the caller would wait forever
        // (a ForkJoinTask that cannot allocate its exception record never completes).
        Throwable[] failures = new Throwable[chunks];
        CountDownLatch done = new CountDownLatch(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks), slot = c;
            pool.execute(() -> {
                try {
                    body.run(from, to);
                } catch (Throwable e) {
                    failures[slot] = e;
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (Throwable e) {
            failures[0] = e;
        }
        awaitUninterruptibly(done);
        for (Throwable f : failures) {
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            if (f != null) throw new IllegalStateException(f);
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
     * The calling thread starts at once and a worker joins when it wakes: on the 2-vCPU KVM guest a parked
     * worker started 60–140 µs late on average (per-call trace of an xs step), which with static halves
     * ({@link #parallelFor}) the caller then waited out at the end. With {@link #parallelForClaimed}'s equal
     * ranges the thread done first waits on average half a range. The ranges are the same in every run
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

    private static void awaitUninterruptibly(CountDownLatch done) {
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
