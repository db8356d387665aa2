package imfengine.backend;

/**
 * A sliding window over the last two axes of an NCHW image: {@code height × width} taps moved by
 * {@code stride} along both axes, the input padded by {@code padY} rows above and below and {@code padX}
 * columns left and right. Convolutions (through {@link Backend#im2col}) take any such window (Inception's
 * 1×7 and 7×1 kernels with padding (0, 3) and (3, 0)); pooling takes square ones. Output sizes are PyTorch's
 * (floor mode).
 */
public record Window2d(int height, int width, int stride, int padY, int padX) {
    public Window2d {
        if (height < 1 || width < 1 || stride < 1 || padY < 0 || padX < 0)
            throw new IllegalArgumentException("window: " + height + "×" + width + ", stride " + stride + ", padding (" + padY + ", " + padX
                    + ") (need sizes ≥ 1, stride ≥ 1, padding ≥ 0)");
    }

    /** A square window: {@code size × size} taps, {@code padding} on every side. */
    public Window2d(int size, int stride, int padding) { this(size, size, stride, padding, padding); }

    public boolean isSquare() { return height == width && padY == padX; }

    /** Taps per window, {@code height·width}. */
    public int taps() { return height * width; }

    /** The output height for an input of {@code h} rows: {@code ⌊(h + 2·padY − height) / stride⌋ + 1}. */
    public int outY(int h) { return Math.floorDiv(h + 2 * padY - height, stride) + 1; }

    /** The output width for an input of {@code w} columns. */
    public int outX(int w) { return Math.floorDiv(w + 2 * padX - width, stride) + 1; }

    @Override public String toString() {
        return height + "×" + width + "/s" + stride + (padY == 0 && padX == 0 ? "" : "/p(" + padY + "," + padX + ")");
    }
}
