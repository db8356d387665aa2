package imfengine.backend.cpu;

import imfengine.backend.Distribution;
import imfengine.backend.RandomKey;
import imfengine.random.Philox;

/**
 * Philox draws (see {@link Distribution}): element {@code i} is a function of the key and {@code i}
 * only, so the work splits over threads freely and the CUDA kernels ({@code native-kernels/philox.cu})
 * produce the same bits.
 */
final class CpuRandom {
    private static final int GRAIN = 1 << 12;
    private final WorkerPool pool;

    CpuRandom(WorkerPool pool) {
        this.pool = pool;
    }

    /** {@code out[off .. off+n)} = elements {@code first … first + n − 1} of the draw. */
    void draw(RandomKey key, Distribution dist, long first, float[] out, int off, int n) {
        Distribution.requireStart(dist, first);
        int k0 = key.k0(), k1 = key.k1(), s0 = key.s0(), s1 = key.s1();
        switch (dist) {
            case NORMAL -> pool.parallelFor(n, GRAIN, (from, to) -> {
                int[] w = new int[4];
                for (int i = from; i < to; i++) {
                    long c = first + i; // one Philox block per normal
                    Philox.block((int) c, (int) (c >>> 32), s0, s1, k0, k1, w);
                    out[off + i] = (float) normal(w);
                }
            });
            case UNIFORM -> pool.parallelFor((n + 3) / 4, GRAIN / 4, (from, to) -> {
                int[] w = new int[4];
                for (int b = from; b < to; b++) {
                    long c = first / 4 + b; // four uniforms per block
                    Philox.block((int) c, (int) (c >>> 32), s0, s1, k0, k1, w);
                    for (int j = 0; j < 4 && 4 * b + j < n; j++) out[off + 4 * b + j] = uniform(w[j]);
                }
            });
        }
    }

    static float uniform(int word) { return (word >>> 8) * 0x1.0p-24f; }

    /** Box–Muller on the two 53-bit uniforms of one block (as {@code random.RandomStream.normal}). */
    static double normal(int[] w) {
        double u1 = ((w[0] >>> 5 & 0x7FFFFFFL) * 67108864.0 + (w[1] >>> 6 & 0x3FFFFFFL)) * 0x1.0p-53;
        double u2 = ((w[2] >>> 5 & 0x7FFFFFFL) * 67108864.0 + (w[3] >>> 6 & 0x3FFFFFFL)) * 0x1.0p-53;
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
