package imfengine.backend;

/**
 * Names one counter-based random stream: Philox4x32-10 keyed by {@code seed}, stream
 * {@code (step, rank·256 + purpose)}. Element {@code i} of a draw depends on the key and {@code i}
 * only, so every backend, thread count and resumed run draws the same numbers.
 *
 * @param seed    the run's seed (the Philox key)
 * @param step    the training step (or another counter, e.g. the parameter index at initialisation)
 * @param rank    the data-parallel rank (0 on one process)
 * @param purpose what is drawn (noise, times, ...), below 256
 */
public record RandomKey(long seed, long step, int rank, int purpose) {
    public RandomKey {
        if (step < 0 || step > 0xFFFF_FFFFL) throw new IllegalArgumentException("random key: step " + step + " outside [0, 2^32)");
        if (rank < 0 || rank >= 1 << 23) throw new IllegalArgumentException("random key: rank " + rank + " outside [0, 2^23)");
        if (purpose < 0 || purpose > 255) throw new IllegalArgumentException("random key: purpose " + purpose + " outside [0, 255]");
    }

    /** Low word of the Philox key. */
    public int k0() { return (int) seed; }

    public int k1() { return (int) (seed >>> 32); }

    /** Stream words (counter words 2 and 3 of every block). */
    public int s0() { return (int) step; }

    public int s1() { return rank * 256 + purpose; }
}
