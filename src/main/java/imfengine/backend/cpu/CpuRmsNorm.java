package imfengine.backend.cpu;

/** RMSNorm over rows kernels (to be implemented). */
final class CpuRmsNorm {
    private final WorkerPool pool;
    private final boolean simd;

    CpuRmsNorm(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void forward(float[] x, float[] w, float eps, float[] y, float[] rstd, int rows, int n) {
        throw new UnsupportedOperationException("CpuRmsNorm not implemented yet");
    }

    void dual(float[] x, float[] tx, float[] w, float eps, float[] y, float[] ty, float[] rstd, int rows, int n) {
        throw new UnsupportedOperationException("CpuRmsNorm not implemented yet");
    }

    void backward(float[] x, float[] w, float[] rstd, float[] dy, float[] dx, float[] dw, int rows, int n) {
        throw new UnsupportedOperationException("CpuRmsNorm not implemented yet");
    }
}
