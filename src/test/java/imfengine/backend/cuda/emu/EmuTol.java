package imfengine.backend.cuda.emu;

/**
 * Tolerances of the emulated-kernel-vs-CPU comparisons (norm-wise relative), the same bounds the GPU parity
 * test uses (CudaParityTest.CudaTol): the emulated kernels run the GPU's algorithms (tree sums, online
 * softmax) with the host's libm, so they differ from the scalar CPU path as the GPU would.
 */
final class EmuTol {
    /** Elementwise math: different exp/rsqrt implementations, no sums. */
    static final double ELEMENTWISE = 1e-6;
    /** Sums over rows or the whole tensor in another order (tree vs sequential). */
    static final double REDUCTION = 1e-5;
    /** Online softmax over tiles of 32 keys against the per-key rescaling of the CPU. */
    static final double ATTENTION = 2e-5;
    /** Float64 transcendental functions on both sides. */
    static final double TIMESTEP = 1e-6;

    private EmuTol() {}
}
