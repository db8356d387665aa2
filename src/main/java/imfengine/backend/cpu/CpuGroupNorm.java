package imfengine.backend.cpu;

/**
 * GroupNorm of NCHW images: in NCHW a (sample, group) pair is one contiguous row of {@code C/G · H·W}
 * values, so rows go in parallel, and per row
 * <pre>
 *   mean = Σx / L,  var = Σ(x − mean)² / L  (two passes: no cancellation when |mean| ≫ std)
 *   y = (x − mean)·scale_c + beta[c],  scale_c = gamma[c]/√(var + eps)
 * </pre>
 * (not {@code x·scale + shift}: with a near-constant group, scale is up to 1/√eps and that form cancels.)
 * The scalar path (the reference) sums in double; {@link GroupNormSimd} sums lane-wise in float.
 * Each row is summed by one thread in a fixed order: the same bits for any thread count.
 */
final class CpuGroupNorm {
    private final WorkerPool pool;
    private final boolean simd;

    CpuGroupNorm(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    /** {@code x, y [n, c, plane]} from {@code xo, yo}; {@code gamma, beta [c]} from {@code go, bo}. */
    void forward(float[] x, int xo, float[] gamma, int go, float[] beta, int bo, int n, int c, int plane, int groups, float eps,
                 float[] y, int yo) {
        int perGroup = c / groups, len = perGroup * plane;
        pool.parallelFor(n * groups, Math.max(1, (1 << 14) / Math.max(1, len)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * len, c0 = (r % groups) * perGroup;
                float[] stats = simd ? GroupNormSimd.meanRstd(x, xo + o, len, eps) : meanRstd(x, xo + o, len, eps);
                for (int j = 0; j < perGroup; j++) {
                    float scale = gamma[go + c0 + j] * stats[1], mean = stats[0], shift = beta[bo + c0 + j];
                    int at = o + j * plane;
                    if (simd) GroupNormSimd.affine(x, xo + at, mean, scale, shift, y, yo + at, plane);
                    else for (int i = 0; i < plane; i++) y[yo + at + i] = (x[xo + at + i] - mean) * scale + shift;
                }
            }
        });
    }

    /** {@code {mean, 1/√(var + eps)}} of {@code x[o, o + len)}, in double. */
    static float[] meanRstd(float[] x, int o, int len, float eps) {
        double sum = 0;
        for (int i = 0; i < len; i++) sum += x[o + i];
        double mean = sum / len, ss = 0;
        for (int i = 0; i < len; i++) {
            double d = x[o + i] - mean;
            ss += d * d;
        }
        return new float[]{(float) mean, (float) (1 / Math.sqrt(ss / len + eps))};
    }
}
