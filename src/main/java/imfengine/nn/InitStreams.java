package imfengine.nn;

import imfengine.backend.RandomKey;

/**
 * One random stream per initialised tensor, in registration order, all keyed by the model's seed:
 * the backend draws them ({@link imfengine.backend.Backend#random}), so a seed gives the same model on
 * every backend without a host loop or an upload per parameter.
 */
public final class InitStreams {
    /** The {@link RandomKey} purpose of initial values (the step field counts tensors). */
    static final int PURPOSE = 0x1A;
    private final long seed;
    private long next;

    public InitStreams(long seed) { this.seed = seed; }

    RandomKey next() { return new RandomKey(seed, next++, 0, PURPOSE); }
}
