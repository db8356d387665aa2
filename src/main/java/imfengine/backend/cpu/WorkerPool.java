package imfengine.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * A fixed pool over the machine's cores. {@link #parallelFor} splits {@code [0, n)} into at most
 * one contiguous chunk per thread; the calling thread runs the first chunk itself. Calls made from
 * inside a worker run serially, so kernels may nest without oversubscribing.
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
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            tasks[c - 1] = pool.submit(new RecursiveAction() {
                @Override protected void compute() { body.run(from, to); }
            });
        }
        RuntimeException failure = null;
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (ForkJoinTask<?> t : tasks) {
            try {
                t.join();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        if (failure != null) throw failure;
    }
}
