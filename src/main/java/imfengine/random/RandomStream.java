package imfengine.random;

/**
 * A sequence of uniform and normal draws from one Philox stream: {@code (seed, stream)} fix
 * everything, and the position within the stream advances with each draw.
 */
public final class RandomStream {
    private final int k0, k1, s0, s1;
    private long counter;
    private final int[] block = new int[4];
    private int used = 4;

    public RandomStream(long seed, long stream) {
        this.k0 = (int) seed;
        this.k1 = (int) (seed >>> 32);
        this.s0 = (int) stream;
        this.s1 = (int) (stream >>> 32);
    }

    /** A stream for one purpose at one training step, e.g. {@code forStep(seed, step, Purpose.NOISE)}. */
    public static RandomStream forStep(long seed, long step, int purpose) {
        return new RandomStream(seed, step * 64 + purpose);
    }

    private int nextInt() {
        if (used == 4) {
            Philox.block((int) counter, (int) (counter >>> 32), s0, s1, k0, k1, block);
            counter++;
            used = 0;
        }
        return block[used++];
    }

    /** Uniform in [0, 1) with 24 random bits (exactly representable as float). */
    public float uniform() {
        return (nextInt() >>> 8) * 0x1.0p-24f;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double uniformDouble() {
        long hi = nextInt() >>> 5 & 0x7FFFFFFL, lo = nextInt() >>> 6 & 0x3FFFFFFL;
        return (hi * 67108864.0 + lo) * 0x1.0p-53;
    }

    /** Standard normal by Box–Muller (one of the pair; simple and reproducible). */
    public double normal() {
        double u1 = 1.0 - uniformDouble(), u2 = uniformDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    public void fillNormal(float[] out) {
        for (int i = 0; i < out.length; i++) out[i] = (float) normal();
    }

    public void fillUniform(float[] out, float lo, float hi) {
        for (int i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * uniform();
    }
}
