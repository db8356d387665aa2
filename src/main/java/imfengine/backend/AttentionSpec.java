package imfengine.backend;

/**
 * Geometry of multi-head attention on tensors laid out {@code [B, L, H, Dh]} (i.e. {@code [B, L, D]}
 * with heads interleaved in the channel axis, as a projection writes them). {@code scale} is
 * usually {@code 1/√Dh}.
 */
public record AttentionSpec(int batch, int length, int heads, int headDim, float scale) {
    public int width() { return heads * headDim; }

    public long elements() { return (long) batch * length * heads * headDim; }

    /**
     * Matrix work of attention in multiples of the forward's {@code q·kᵀ} and {@code P·v}
     * (4·B·H·L²·Dh): the dual adds the tangent scores and tangent values (×3), the backward
     * recomputes scores and forms dV, dP, dQ, dK (×2.5). Both backends count it this way.
     */
    public long flops(double multiple) {
        return (long) (multiple * 4.0 * batch * heads * (double) length * length * headDim);
    }
}
