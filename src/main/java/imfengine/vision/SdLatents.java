package imfengine.vision;

/**
 * The authors' latent normalisation of the SD-VAE ({@code utils/vae_util.py} of their PyTorch port): the model
 * generates {@code (z − mean)/std} per channel, and {@code VAEWrapper.decode} undoes it as {@code z·std + mean}
 * before {@code vae.decode}, with no division by the VAE's {@code scaling_factor} (0.18215); the statistics below
 * already carry that scale. And the images: {@code (x + 1)/2}, times 255, rounded, clamped to {@code [0, 255]},
 * as their {@code evaluate.py} writes the PNGs FID reads.
 */
public final class SdLatents {
    /** Per-channel mean and standard deviation of the SD-VAE latents of ImageNet 256×256 (the authors' values). */
    public static final float[] MEAN = {0.86488f, -0.27787343f, 0.21616915f, 0.3738409f},
            STD = {4.85503674f, 5.31922414f, 3.93725398f, 3.9870003f};

    private SdLatents() {}

    /**
     * The decoder's input {@code [n, 4, h, w]} (NCHW, {@code z·std + mean}) from {@code count} of the model's latents
     * starting at latent {@code first} of {@code nhwc [*, h, w, 4]} (the layout {@code sample} writes).
     */
    public static float[] decoderInput(float[] nhwc, int first, int count, int h, int w) {
        int c = MEAN.length, plane = h * w;
        float[] out = new float[count * c * plane];
        for (int i = 0; i < count; i++)
            for (int p = 0; p < plane; p++) {
                int src = ((first + i) * plane + p) * c;
                for (int ch = 0; ch < c; ch++) out[(i * c + ch) * plane + p] = nhwc[src + ch] * STD[ch] + MEAN[ch];
            }
        return out;
    }

    /** An image value in about [−1, 1] as the byte the authors' PNGs hold: {@code round(clip((x + 1)/2·255, 0, 255))}. */
    public static byte toByte(float x) {
        float u = (x + 1f) / 2f * 255f;
        if (!(u > 0f)) return 0; // also NaN
        if (u >= 255f) return (byte) 255;
        return (byte) Math.rint(u);
    }
}
