package imfengine.vision;

/**
 * Folds an inference-mode BatchNorm into the convolution before it, as weights are loaded (Inception-v3's
 * conv → BN blocks then cost one convolution):
 * <pre>
 *   BN(conv(x)) = s·(W⋆x + b − mean) + beta,  s = gamma/√(var + eps)   per output channel
 *             = W'⋆x + b',  W' = s·W,  b' = s·(b − mean) + beta
 * </pre>
 * Computed in double and rounded once. Host arrays: this runs on the weights as they come from a file.
 */
public final class BatchNormFold {
    private BatchNormFold() {}

    /** A convolution's weight {@code [Cout, ...]} (flat, row-major) and bias {@code [Cout]}. */
    public record Conv(float[] weight, float[] bias) {}

    /**
     * The folded convolution of {@code weight [Cout, ...]} and {@code bias [Cout]} (null: none) followed by
     * BatchNorm with per-channel {@code gamma, beta, runningMean, runningVar} and {@code eps}.
     */
    public static Conv fold(float[] weight, float[] bias, float[] gamma, float[] beta, float[] runningMean, float[] runningVar, double eps) {
        int cout = gamma.length;
        for (float[] p : new float[][]{beta, runningMean, runningVar, bias})
            if (p != null && p.length != cout)
                throw new IllegalArgumentException("batchNorm fold: a parameter has " + p.length + " channels, gamma has " + cout);
        if (cout == 0 || weight.length % cout != 0)
            throw new IllegalArgumentException("batchNorm fold: weight of " + weight.length + " values is not " + cout + " output channels");
        int per = weight.length / cout;
        float[] w = new float[weight.length], b = new float[cout];
        for (int o = 0; o < cout; o++) {
            double s = gamma[o] / Math.sqrt((double) runningVar[o] + eps);
            for (int i = 0; i < per; i++) w[o * per + i] = (float) (s * weight[o * per + i]);
            b[o] = (float) (s * ((bias == null ? 0.0 : bias[o]) - runningMean[o]) + beta[o]);
        }
        return new Conv(w, b);
    }
}
