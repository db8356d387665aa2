package imfengine.data;

import java.util.Arrays;

/**
 * Deterministic shuffled epochs of indices {@code 0..count-1}. Epoch {@code e} is a Fisher–Yates
 * permutation driven by {@link SplitMix64} keyed by {@code (seed, e)}, so it depends on nothing but
 * those two numbers. Batches are always full: a batch that reaches the end of an epoch continues
 * with the start of the next one. The whole state is {@link #state()} = {@code {seed, count,
 * epoch, position}}; {@link #restore} continues bit-for-bit from a saved state.
 */
public final class BatchSampler {
    private static final int STATE_LENGTH = 4;

    private final long seed;
    private final int count;
    private long epoch;
    private int position;
    private int[] order;

    public BatchSampler(int count, long seed) {
        if (count < 1) throw new IllegalArgumentException("sampler needs at least one item, got " + count);
        this.count = count;
        this.seed = seed;
        this.order = epochOrder(0);
    }

    /** A sampler in a saved state (see {@link #state()}). */
    public static BatchSampler fromState(long[] state) {
        check(state);
        BatchSampler s = new BatchSampler((int) state[1], state[0]);
        s.restore(state);
        return s;
    }

    /** The next {@code batchSize} indices. */
    public int[] next(int batchSize) {
        int[] out = new int[batchSize];
        next(out);
        return out;
    }

    /** Fills {@code out} with the next {@code out.length} indices. {@code out} Modified. */
    public void next(int[] out) {
        for (int b = 0; b < out.length; b++) {
            if (position == count) {
                epoch++;
                position = 0;
                order = epochOrder(epoch);
            }
            out[b] = order[position++];
        }
    }

    /** Epochs started so far, counting from 0. */
    public long epoch() { return epoch; }

    /** Indices already taken from the current epoch. */
    public int position() { return position; }

    public int count() { return count; }

    /** {@code {seed, count, epoch, position}}. */
    public long[] state() {
        return new long[] {seed, count, epoch, position};
    }

    /** Continues from a state of a sampler with the same seed and count. */
    public void restore(long[] state) {
        check(state);
        if (state[0] != seed || state[1] != count) {
            throw new IllegalArgumentException("sampler state for seed " + state[0] + " and " + state[1]
                    + " items does not fit this sampler (seed " + seed + ", " + count + " items)");
        }
        epoch = state[2];
        position = (int) state[3];
        order = epochOrder(epoch);
    }

    private static void check(long[] state) {
        if (state.length != STATE_LENGTH || state[1] < 1 || state[1] > Integer.MAX_VALUE || state[2] < 0
                || state[3] < 0 || state[3] > state[1]) {
            throw new IllegalArgumentException("bad sampler state " + Arrays.toString(state));
        }
    }

    private int[] epochOrder(long e) {
        return SplitMix64.permutation(count, SplitMix64.mix(seed) ^ SplitMix64.mix(e + SplitMix64.GAMMA));
    }
}
