package imfengine.distributed;

import imfengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A process group whose ranks are threads of one JVM, for tests of what the trainer does with a group
 * without Open MPI: collectives meet at a barrier, and sums add the ranks' values in rank order.
 */
public final class InProcessGroup implements ProcessGroup {
    private final Shared shared;
    private final int rank;

    private InProcessGroup(Shared shared, int rank) {
        this.shared = shared;
        this.rank = rank;
    }

    /** Runs {@code body} on {@code ranks} threads, each with its rank's group; its results in rank order. */
    public static <T> List<T> run(int ranks, Function<ProcessGroup, T> body) throws Exception {
        Shared s = new Shared(ranks);
        ExecutorService pool = Executors.newFixedThreadPool(ranks);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                InProcessGroup g = new InProcessGroup(s, r);
                futures.add(pool.submit(() -> body.apply(g)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) out.add(f.get(10, TimeUnit.MINUTES));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return shared.values.length; }

    @Override public void sumInPlace(Tensor t) {
        float[] mine = new float[Math.toIntExact(t.size())];
        t.backend().download(t, mine);
        shared.values[rank] = mine;
        await();
        float[] sum = new float[mine.length];
        for (Object o : shared.values) {
            float[] v = (float[]) o;
            for (int i = 0; i < sum.length; i++) sum[i] += v[i];
        }
        await(); // nobody overwrites a slot before every rank has read it
        t.backend().upload(sum, t);
    }

    @Override public int maxOverRanks(int value) {
        shared.values[rank] = value;
        await();
        int max = Integer.MIN_VALUE;
        for (Object o : shared.values) max = Math.max(max, (Integer) o);
        await();
        return max;
    }

    @Override public long fromRankZero(long value) {
        shared.values[rank] = value;
        await();
        long v = (Long) shared.values[0];
        await();
        return v;
    }

    @Override public byte[] fromRankZero(byte[] bytes) {
        shared.values[rank] = bytes.clone();
        await();
        byte[] v = ((byte[]) shared.values[0]).clone();
        await();
        return v;
    }

    @Override public void close() {}

    private void await() {
        try {
            shared.barrier.await(5, TimeUnit.MINUTES);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("rank " + rank + ": a collective was not met by every rank", e);
        }
    }

    private static final class Shared {
        final Object[] values;
        final CyclicBarrier barrier;

        Shared(int ranks) {
            values = new Object[ranks];
            barrier = new CyclicBarrier(ranks);
        }
    }
}
