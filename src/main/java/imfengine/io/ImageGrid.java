package imfengine.io;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Tiles a batch of images into one picture: cells in row-major order, {@code cols} per row,
 * {@code ceil(n / cols)} rows, separated and surrounded by a mid-gray (128) border; cells past
 * {@code n} are left mid-gray. Each image is upscaled by an integer factor (nearest neighbour).
 */
public final class ImageGrid {
    /** Mid-gray border: visible against both black (MNIST background) and white. */
    public static final int BORDER_VALUE = 128;

    /** The value range of the float pixels; values outside it are clamped. */
    public enum Range {
        /** [−1, 1], the range the data loaders produce and the model samples in. */
        SYMMETRIC,
        /** [0, 1]. */
        UNIT
    }

    /** An 8-bit image, row-major, {@code channels} (1 or 3) interleaved bytes per pixel. */
    public record Image(int width, int height, int channels, byte[] pixels) {
        public void writePng(Path file) {
            PngWriter.write(file, width, height, channels, pixels);
        }
    }

    private ImageGrid() {}

    /**
     * @param images {@code n} images of {@code h×w×c} floats (channels last), back to back. Not modified.
     * @param c      1 (gray) or 3 (RGB)
     * @param cols   cells per grid row (≥ 1)
     * @param border border width in output pixels (≥ 0)
     * @param scale  integer upscaling factor (≥ 1)
     */
    public static Image tile(float[] images, int n, int h, int w, int c, Range range, int cols, int border, int scale) {
        if (n < 1 || h < 1 || w < 1 || cols < 1 || border < 0 || scale < 1) {
            throw new IllegalArgumentException("bad grid arguments: n=" + n + " h=" + h + " w=" + w + " cols=" + cols
                    + " border=" + border + " scale=" + scale);
        }
        if (c != 1 && c != 3) throw new IllegalArgumentException("grid images need 1 or 3 channels, got " + c);
        if (images.length < (long) n * h * w * c) {
            throw new IllegalArgumentException("expected " + (long) n * h * w * c + " floats, got " + images.length);
        }
        int rows = (n + cols - 1) / cols;
        int cw = w * scale, ch = h * scale;
        int width = cols * cw + (cols + 1) * border;
        int height = rows * ch + (rows + 1) * border;
        byte[] px = new byte[width * height * c];
        Arrays.fill(px, (byte) BORDER_VALUE);
        for (int k = 0; k < n; k++) {
            int x0 = border + (k % cols) * (cw + border);
            int y0 = border + (k / cols) * (ch + border);
            int base = k * h * w * c;
            for (int y = 0; y < ch; y++) {
                int srcRow = base + (y / scale) * w * c;
                int dstRow = ((y0 + y) * width + x0) * c;
                for (int x = 0; x < cw; x++) {
                    int src = srcRow + (x / scale) * c;
                    for (int q = 0; q < c; q++) px[dstRow + x * c + q] = toByte(images[src + q], range);
                }
            }
        }
        return new Image(width, height, c, px);
    }

    private static byte toByte(float v, Range range) {
        float u = range == Range.SYMMETRIC ? (v + 1f) * 0.5f : v;
        if (!(u > 0f)) return 0; // also NaN
        if (u >= 1f) return (byte) 255;
        return (byte) Math.round(u * 255f);
    }
}
