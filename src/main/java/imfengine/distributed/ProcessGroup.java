package imfengine.distributed;

import imfengine.tensor.Tensor;

/**
 * The processes of one data-parallel run: this process's rank, how many there are, and the collectives
 * the trainer needs. Every rank must make the same calls in the same order (they are collectives); a rank
 * that calls none while the others wait leaves them blocked until {@code mpirun} ends the job.
 * {@link #single()} is the one-process run, where every collective is the identity and nothing is loaded.
 */
public interface ProcessGroup extends AutoCloseable {
    int rank();

    int size();

    /** Whether the ranks are threads of this JVM ({@link ThreadRanks}): their heap allocations count together. */
    default boolean sharesHeap() { return false; }

    /** Whether this rank writes the run's files (checkpoints, metrics, samples) and prints its progress. */
    default boolean leads() { return rank() == 0; }

    /** Replaces {@code t} (F32, on any backend) by its elementwise sum over all ranks. */
    void sumInPlace(Tensor t);

    /** The largest of the ranks' {@code value}s, on every rank. */
    int maxOverRanks(int value);

    /** Whether {@code mine} is true on at least one rank: a decision every rank then takes together. */
    default boolean anyRank(boolean mine) { return maxOverRanks(mine ? 1 : 0) != 0; }

    /** Rank 0's {@code value}, on every rank. */
    long fromRankZero(long value);

    /** Rank 0's {@code bytes} (every rank passes an array of the same length), on every rank. */
    byte[] fromRankZero(byte[] bytes);

    /** Ends the group after a run that succeeded on this rank ({@code MPI_Finalize}). */
    @Override void close();

    /** One process: no MPI. */
    static ProcessGroup single() {
        return new ProcessGroup() {
            @Override public int rank() { return 0; }
            @Override public int size() { return 1; }
            @Override public void sumInPlace(Tensor t) {}
            @Override public int maxOverRanks(int value) { return value; }
            @Override public long fromRankZero(long value) { return value; }
            @Override public byte[] fromRankZero(byte[] bytes) { return bytes.clone(); }
            @Override public void close() {}
        };
    }
}
