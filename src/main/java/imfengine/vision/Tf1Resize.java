package imfengine.vision;

/**
 * TensorFlow 1.x's bilinear resize with {@code align_corners=False}, the one the FID Inception was used with
 * (torch-fidelity's {@code interpolate_bilinear_2d_like_tensorflow1x}, its exact "slow" method). Unlike
 * PyTorch's {@code interpolate}, the source coordinate has no half-pixel offset: output index {@code i} samples
 * {@code i·(in/out)}, between {@code lo = ⌊·⌋} and {@code min(lo + 1, in − 1)}. All in float32 with the same
 * operation order as torch-fidelity (scale rounded to float, lerp {@code a + (b − a)·t} along x, then y), so
 * it matches bit for bit. Host arrays: images are resized as they are read, before the network.
 */
public final class Tf1Resize {
    private Tf1Resize() {}

    /** {@code x [planes, h, w]} resized to {@code y [planes, oh, ow]} (both C order, from their offsets). */
    public static void resize(float[] x, int xo, int planes, int h, int w, float[] y, int yo, int oh, int ow) {
        int[] ylo = new int[oh], yhi = new int[oh], xlo = new int[ow], xhi = new int[ow];
        float[] dy = grid(h, oh, ylo, yhi), dx = grid(w, ow, xlo, xhi);
        for (int p = 0; p < planes; p++) {
            int src = xo + p * h * w, dst = yo + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                int top = src + ylo[i] * w, bottom = src + yhi[i] * w;
                for (int j = 0; j < ow; j++) {
                    float t0 = x[top + xlo[j]], t1 = x[top + xhi[j]], b0 = x[bottom + xlo[j]], b1 = x[bottom + xhi[j]];
                    float row0 = t0 + (t1 - t0) * dx[j], row1 = b0 + (b1 - b0) * dx[j];
                    y[dst + i * ow + j] = row0 + (row1 - row0) * dy[i];
                }
            }
        }
    }

    /** The source coordinates of {@code out} samples over {@code in}: low and high taps, and the fraction. */
    private static float[] grid(int in, int out, int[] lo, int[] hi) {
        float scale = (float) ((double) in / out), frac[] = new float[out];
        for (int i = 0; i < out; i++) {
            float s = i * scale; // float32 product, as torch's arange(float32) * tensor(scale, float32)
            lo[i] = (int) s;
            hi[i] = Math.min(lo[i] + 1, in - 1);
            frac[i] = s - lo[i];
        }
        return frac;
    }
}
