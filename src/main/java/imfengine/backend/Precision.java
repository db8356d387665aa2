package imfengine.backend;

import java.util.Locale;

/**
 * The arithmetic a run's matrix products and attention use ({@code --precision}). Master weights, AdamW,
 * EMA, norm and softmax statistics, reductions and the loss are fp32 in every mode; only the CUDA backend
 * has the tensor-core modes, the CPU computes in fp32.
 */
public enum Precision {
    /** fp32 everywhere: the CPU's results to float rounding. */
    FP32,
    /** GEMMs on TF32 tensor cores (inputs rounded to 10 mantissa bits inside cuBLAS, fp32 accumulation); fp32 attention. */
    TF32,
    /**
     * GEMM inputs rounded to bf16 (round to nearest even), products on bf16 tensor cores with fp32 accumulation
     * and fp32 outputs; attention's forward and tangent by the bf16 flash kernels where the head dim is 64.
     */
    BF16;

    /** The name on the command line and in checkpoints: {@code fp32}, {@code tf32}, {@code bf16}. */
    public String label() { return name().toLowerCase(Locale.ROOT); }

    /** {@code fp32}, {@code tf32} or {@code bf16} (any case); anything else is an {@link IllegalArgumentException}. */
    public static Precision parse(String name) {
        for (Precision p : values()) if (p.label().equalsIgnoreCase(name.strip())) return p;
        throw new IllegalArgumentException("--precision must be bf16, tf32 or fp32, got '" + name + "'");
    }
}
