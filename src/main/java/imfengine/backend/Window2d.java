package imfengine.backend;

/**
 * A square sliding window over the last two axes of an NCHW image: {@code size × size} taps moved by
 * {@code stride}, the input padded by {@code padding} on every side. Convolutions (through
 * {@link Backend#im2col}) and pooling share it, with PyTorch's output size (floor mode).
 */
public record Window2d(int size, int stride, int padding) {
    public Window2d {
        if (size < 1 || stride < 1 || padding < 0)
            throw new IllegalArgumentException("window: size " + size + ", stride " + stride + ", padding " + padding
                    + " (need size ≥ 1, stride ≥ 1, padding ≥ 0)");
    }

    /** The output extent along an input axis of {@code in}: {@code ⌊(in + 2·padding − size) / stride⌋ + 1}. */
    public int out(int in) { return Math.floorDiv(in + 2 * padding - size, stride) + 1; }
}
