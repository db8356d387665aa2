package imfengine.backend;

/**
 * Geometry of multi-head attention on tensors laid out {@code [B, L, H, Dh]} (i.e. {@code [B, L, D]}
 * with heads interleaved in the channel axis, as a projection writes them). {@code scale} is
 * usually {@code 1/√Dh}.
 */
public record AttentionSpec(int batch, int length, int heads, int headDim, float scale) {
    public int width() { return heads * headDim; }

    public long elements() { return (long) batch * length * heads * headDim; }
}
