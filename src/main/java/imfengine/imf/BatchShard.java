package imfengine.imf;

import java.util.stream.IntStream;

/**
 * The rows of a global batch of {@code batch} examples that rank {@code rank} of {@code ranks} trains on: every
 * {@code ranks}-th row from row {@code rank}, in order, so sizes differ by at most one. Strided rather than
 * contiguous because a step's examples are not alike along the batch: its leading examples are the flow-matching
 * ones (no tangent in the dual forward: {@link DualForward}) and the class-dropped ones, so contiguous shards
 * gave rank 0 a different step from the others (and, in a shard of flow-matching examples only, the whole dual
 * forward). Strided, every rank gets its share of each kind, and the leading kinds stay leading within a shard.
 * The whole batch is the one-process case.
 */
public record BatchShard(int batch, int rank, int ranks) {
    public BatchShard {
        if (ranks < 1 || rank < 0 || rank >= ranks) throw new IllegalArgumentException("rank " + rank + " of " + ranks);
        if (batch < ranks) throw new IllegalArgumentException("a batch of " + batch + " cannot be split over " + ranks
                + " ranks (each needs at least one example): raise --batch or start fewer ranks");
    }

    /** The whole batch on one process. */
    public static BatchShard whole(int batch) { return new BatchShard(batch, 0, 1); }

    public int rows() { return (batch - rank + ranks - 1) / ranks; }

    /** Row {@code i} of this shard: its position in the global batch. */
    public int position(int i) { return rank + i * ranks; }

    /** The positions in the global batch of this shard's rows, in order. */
    public IntStream positions() { return IntStream.range(0, rows()).map(this::position); }

    /** How many of this shard's rows lie among the global batch's first {@code n}. */
    public int rowsBefore(int n) { return Math.clamp((n - rank + ranks - 1) / ranks, 0, rows()); }

    public boolean isWhole() { return ranks == 1; }
}
