package imfengine.backend.cuda;

/**
 * Named tolerances of the CUDA-vs-CPU comparisons (norm-wise relative, {@code ‖cuda − cpu‖₂ / ‖cpu‖₂}),
 * on the GPU and under the emulator alike: both run the GPU's algorithms (tree sums, online softmax over
 * tiles) against the scalar CPU path.
 */
public final class CudaTol {
    /** Elementwise math: different exp/rsqrt implementations, no sums. */
    public static final double ELEMENTWISE = 1e-6;
    /** Sums over rows or the whole tensor in another order (tree vs sequential). */
    public static final double REDUCTION = 1e-5;
    /** cuBLAS FP32 SGEMM against the scalar loop (no TF32). */
    public static final double GEMM = 1e-5;
    /** Online softmax over tiles of 32 keys against the per-key rescaling of the CPU. */
    public static final double ATTENTION = 2e-5;
    /** Float64 transcendental functions on both sides. */
    public static final double TIMESTEP = 1e-6;

    private CudaTol() {}
}
