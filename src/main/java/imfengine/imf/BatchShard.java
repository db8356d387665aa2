package imfengine.imf;

/**
 * The rows {@code [from, to)} of a global batch of {@code batch} examples that rank {@code rank} of
 * {@code ranks} trains on: contiguous, in rank order, sizes differing by at most one. The whole batch is
 * the one-process case.
 */
public record BatchShard(int batch, int rank, int ranks) {
    public BatchShard {
        if (ranks < 1 || rank < 0 || rank >= ranks) throw new IllegalArgumentException("rank " + rank + " of " + ranks);
        if (batch < ranks) throw new IllegalArgumentException("a batch of " + batch + " cannot be split over " + ranks
                + " ranks (each needs at least one example): raise --batch or start fewer ranks");
    }

    /** The whole batch on one process. */
    public static BatchShard whole(int batch) { return new BatchShard(batch, 0, 1); }

    public int from() { return (int) ((long) batch * rank / ranks); }

    public int to() { return (int) ((long) batch * (rank + 1) / ranks); }

    public int rows() { return to() - from(); }

    public boolean isWhole() { return ranks == 1; }
}
