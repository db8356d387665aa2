package imfengine.backend.cpu;

/** Rotary position embedding kernels (to be implemented). */
final class CpuRope {
    private final WorkerPool pool;
    private final boolean simd;

    CpuRope(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void apply(float[] x, float[] cos, float[] sin, int rows, int seqLen, int heads, int headDim, boolean inverse, float[] out) {
        throw new UnsupportedOperationException("CpuRope not implemented yet");
    }

    void dual(float[] x, float[] tx, float[] cos, float[] sin, int rows, int seqLen, int heads, int headDim, float[] y, float[] ty) {
        throw new UnsupportedOperationException("CpuRope not implemented yet");
    }
}
