package imfengine.backend.cpu;

/**
 * Sinusoidal features of scalars {@code s [count]} into {@code out [count, dim]}, {@code half = dim/2}:
 * <pre>
 *   f_k          = exp(−ln(maxPeriod)·k/half),   k = 0 .. half−1
 *   out[b, k]        = cos(s_b·f_k),   out[b, half + k] = sin(s_b·f_k)      (cos first, as the authors)
 *   derivative:  out[b, k] = −f_k·sin(s_b·f_k),   out[b, half + k] = f_k·cos(s_b·f_k)
 * </pre>
 * Frequencies and angles in float64, cast once. Scalar only: {@code count·dim} is a few thousand
 * values per step, dominated by the transcendental calls.
 */
final class CpuTimestep {
    private final WorkerPool pool;

    CpuTimestep(WorkerPool pool) {
        this.pool = pool;
    }

    /** {@code out} Modified. */
    void features(float[] s, int so, int count, int dim, float maxPeriod, boolean derivative, float[] out) {
        if (dim % 2 != 0) throw new IllegalArgumentException("timestep features: dim " + dim + " is odd; need [cos, sin] halves");
        int half = dim / 2;
        double[] f = new double[half];
        for (int k = 0; k < half; k++) f[k] = Math.exp(-Math.log(maxPeriod) * k / half);
        pool.parallelFor(count, Math.max(1, 4096 / Math.max(1, dim)), (from, to) -> {
            for (int b = from; b < to; b++) {
                int o = b * dim;
                for (int k = 0; k < half; k++) {
                    double arg = s[so + b] * f[k], c = Math.cos(arg), sn = Math.sin(arg);
                    out[o + k] = (float) (derivative ? -f[k] * sn : c);
                    out[o + half + k] = (float) (derivative ? f[k] * c : sn);
                }
            }
        });
    }
}
