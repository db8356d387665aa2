package imfengine.distributed;

import imfengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Data-parallel ranks that are threads of this process: {@link #group(int)} is rank {@code r}'s {@link ProcessGroup},
 * and {@link #call} runs a body on every rank at once, rank 0 on the calling thread and the others on threads kept
 * for the next call (so their per-thread kernel buffers stay warm).
 *
 * <p>On the CPU this is how one training step uses several cores: each rank runs the whole step on its shard of the
 * batch with single-threaded kernels, and only the gradient sum meets. On two cores of a Zen 5 guest the xs step ran
 * 0.81–0.92× the time of one rank whose every kernel was split over both cores (docs/PERF.md).
 *
 * <p>Collectives meet at a barrier; a sum adds the ranks' values in rank order (every rank adds one slice of the
 * elements), so every rank gets the same bits. When a rank's body throws, the collectives of the others fail
 * instead of waiting for it, and {@link #call} throws the first failure that was not such a consequence.
 */
public final class ThreadRanks implements AutoCloseable {
    private final int size;
    private final Barrier barrier;
    /** Per-rank slots of a collective: a rank writes its own before the first barrier and reads all between the two. */
    private final Object[] slots;
    /**
     * Host copies of the tensors summed, by element count (the gradient buffer, the metrics): each rank's own, and
     * the sum, whose slices the ranks write between the barriers (rank 0 adds a new length before the first).
     */
    private final List<Map<Integer, float[]>> hostCopies = new ArrayList<>();
    private final Map<Integer, float[]> sums = new HashMap<>();
    private final Worker[] workers;
    /** Nanoseconds each rank has spent in its collectives' barriers: a rank adds to its own slot only. */
    private final long[] waited;

    /** {@code ranks} ranks; {@code ranks − 1} threads start now and wait for {@link #call}. */
    public ThreadRanks(int ranks) {
        if (ranks < 1) throw new IllegalArgumentException("ranks must be >= 1, got " + ranks);
        this.size = ranks;
        this.barrier = new Barrier(ranks);
        this.slots = new Object[ranks];
        this.waited = new long[ranks];
        this.workers = new Worker[ranks - 1];
        for (int r = 0; r < ranks; r++) hostCopies.add(new HashMap<>());
        for (int r = 1; r < ranks; r++) {
            workers[r - 1] = new Worker("imf-rank-" + r);
            workers[r - 1].start();
        }
    }

    public int size() { return size; }

    /**
     * Nanoseconds rank {@code rank} has waited in collectives so far (for the others to arrive; the ranks of a
     * replicated step do the same work, so this is how unevenly the machine ran them). Read it between {@link #call}s.
     */
    public long waitedNanos(int rank) { return waited[rank]; }

    /** Rank {@code rank}'s group: use it only on the thread {@link #call} runs that rank on. */
    public ProcessGroup group(int rank) {
        if (rank < 0 || rank >= size) throw new IllegalArgumentException("rank " + rank + " of " + size);
        return new Rank(rank);
    }

    /**
     * Runs {@code body(rank)} on every rank at once and returns the results in rank order once all have returned.
     * A rank that throws fails the collectives the others wait in; the first failure of its own is rethrown here
     * (an unchecked exception as it was, anything else wrapped).
     */
    public <T> List<T> call(IntFunction<T> body) {
        barrier.reset();
        AtomicReferenceArray<Object> results = new AtomicReferenceArray<>(size);
        Throwable[] failures = new Throwable[size];
        for (int r = 1; r < size; r++) {
            int rank = r;
            workers[r - 1].post(() -> {
                try {
                    results.set(rank, body.apply(rank));
                } catch (Throwable t) {
                    failures[rank] = t;
                    barrier.abort();
                }
            });
        }
        try {
            results.set(0, body.apply(0));
        } catch (Throwable t) {
            failures[0] = t;
            barrier.abort();
        }
        for (Worker w : workers) w.awaitIdle();
        Throwable first = null;
        for (Throwable t : failures) // prefer a rank's own failure to the collectives it made fail elsewhere
            if (t != null && (first == null || first instanceof RankFailed && !(t instanceof RankFailed))) first = t;
        if (first instanceof RuntimeException e) throw e;
        if (first instanceof Error e) throw e;
        if (first != null) throw new IllegalStateException(first);
        List<T> out = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            @SuppressWarnings("unchecked") T t = (T) results.get(r);
            out.add(t);
        }
        return out;
    }

    /** Runs {@code body} once on {@code ranks} new ranks, each with its group; the results in rank order (see {@link #call}). */
    public static <T> List<T> run(int ranks, Function<ProcessGroup, T> body) {
        try (ThreadRanks t = new ThreadRanks(ranks)) {
            return t.call(r -> body.apply(t.group(r)));
        }
    }

    /** Stops the rank threads (after the call in progress, if any). */
    @Override public void close() {
        for (Worker w : workers) w.shutDown();
    }

    /** What another rank's collective throws once a rank has failed. */
    public static final class RankFailed extends IllegalStateException {
        RankFailed(int rank) { super("rank " + rank + ": another rank failed, so this collective cannot complete"); }
    }

    private final class Rank implements ProcessGroup {
        private final int rank;

        Rank(int rank) { this.rank = rank; }

        @Override public int rank() { return rank; }

        @Override public int size() { return size; }

        @Override public boolean sharesHeap() { return true; }

        @Override public void sumInPlace(Tensor t) {
            if (size == 1) return; // the sum of one rank: no copies
            int n = Math.toIntExact(t.shape().size());
            float[] mine = hostCopies.get(rank).computeIfAbsent(n, float[]::new);
            t.backend().download(t, mine);
            slots[rank] = mine;
            if (rank == 0) sums.computeIfAbsent(n, float[]::new); // before the barrier: the others look it up after
            await();
            float[] s = sums.get(n);
            int from = (int) ((long) n * rank / size), to = (int) ((long) n * (rank + 1) / size);
            for (int i = from; i < to; i++) {
                float v = 0f;
                for (int r = 0; r < size; r++) v += ((float[]) slots[r])[i];
                s[i] = v;
            }
            await();
            t.backend().upload(s, t);
            await(); // nobody adds a sum or rewrites a slot before every rank has read them
        }

        @Override public int maxOverRanks(int value) {
            slots[rank] = value;
            await();
            int max = Integer.MIN_VALUE;
            for (Object o : slots) max = Math.max(max, (Integer) o);
            await();
            return max;
        }

        @Override public long fromRankZero(long value) {
            slots[rank] = value;
            await();
            long v = (Long) slots[0];
            await();
            return v;
        }

        @Override public byte[] fromRankZero(byte[] bytes) {
            slots[rank] = bytes;
            await();
            byte[] v = ((byte[]) slots[0]).clone();
            await();
            return v;
        }

        @Override public void close() {}

        private void await() {
            long start = System.nanoTime();
            boolean met = barrier.await();
            waited[rank] += System.nanoTime() - start;
            if (!met) throw new RankFailed(rank);
        }
    }

    /** A reusable barrier that a failed rank can open for good (until the next {@link #reset}). */
    private static final class Barrier {
        private final int parties;
        private int arrived;
        private long generation;
        private boolean aborted;

        Barrier(int parties) { this.parties = parties; }

        /** Waits for every party; false when the barrier was aborted (before or while waiting). */
        synchronized boolean await() {
            if (aborted) return false;
            long gen = generation;
            if (++arrived == parties) {
                arrived = 0;
                generation++;
                notifyAll();
                return true;
            }
            boolean interrupted = false;
            while (gen == generation && !aborted) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            return gen != generation;
        }

        synchronized void abort() {
            aborted = true;
            notifyAll();
        }

        synchronized void reset() {
            aborted = false;
            arrived = 0;
        }
    }

    /** A rank's thread: runs the tasks posted to it one at a time. */
    private static final class Worker extends Thread {
        private Runnable task;
        private boolean busy, shutDown;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        synchronized void post(Runnable r) {
            task = r;
            busy = true;
            notifyAll();
        }

        synchronized void awaitIdle() {
            boolean interrupted = false;
            while (busy) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }

        synchronized void shutDown() {
            shutDown = true;
            notifyAll();
        }

        @Override public void run() {
            while (true) {
                Runnable r;
                synchronized (this) {
                    while (task == null && !shutDown) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    if (task == null) return;
                    r = task;
                    task = null;
                }
                try {
                    r.run();
                } finally {
                    synchronized (this) {
                        busy = false;
                        notifyAll();
                    }
                }
            }
        }
    }
}
