package imfengine.tensor;

/**
 * Element types of tensors. {@code F32} carries all arithmetic today; {@code BF16} (bfloat16: the upper
 * 16 bits of a float32, rounded to nearest even) is the storage type of mixed precision; {@code I32}
 * holds labels and indices.
 */
public enum DType {
    F32(4), BF16(2), I32(4);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Bytes per element. */
    public int bytes() { return bytes; }

    /** Whether the elements are floating point (and so can carry tangents and gradients). */
    public boolean isFloating() { return this != I32; }
}
