package imfengine.backend.cuda;

import java.util.Locale;

/**
 * Which kernels compute attention on CUDA: forward, tangent and backward (the backward recomputes P from the
 * forward's log-sum-exp).
 */
public enum AttentionPrecision {
    /** {@code native-kernels/attention.cu}: fp32 throughout, the CPU's result to float rounding (the default). */
    FP32,
    /**
     * {@code native-kernels/flash_attention.cu}: bf16 tensor cores with fp32 accumulation and fp32 softmax
     * statistics, for head dim 64; other head dims fall back to {@link #FP32}. Tolerances: docs/EMULATION.md.
     */
    BF16;

    /** {@code fp32} or {@code bf16} (the value of {@code -Dimf.cuda.attention}); null or empty means {@link #FP32}. */
    public static AttentionPrecision parse(String name) {
        if (name == null || name.isBlank()) return FP32;
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "fp32" -> FP32;
            case "bf16" -> BF16;
            default -> throw new IllegalArgumentException("attention precision must be fp32 or bf16, got '" + name + "'");
        };
    }
}
