package imfengine.backend.cuda;

/**
 * The element type of a device GEMM's A and B operands. C is fp32 and the accumulation is fp32 either way;
 * with {@link #BF16} the caller has already rounded A and B to bf16 ({@code cublasGemmEx}, compute type 32F).
 */
public enum GemmInputs {
    F32(Float.BYTES),
    BF16(Short.BYTES);

    private final int bytes;

    GemmInputs(int bytes) { this.bytes = bytes; }

    /** Bytes per operand element. */
    public int bytes() { return bytes; }
}
