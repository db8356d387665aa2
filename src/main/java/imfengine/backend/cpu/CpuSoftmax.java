package imfengine.backend.cpu;

/** Softmax over rows kernels (to be implemented). */
final class CpuSoftmax {
    private final WorkerPool pool;
    private final boolean simd;

    CpuSoftmax(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void forward(float[] x, float[] y, int rows, int n) {
        throw new UnsupportedOperationException("CpuSoftmax not implemented yet");
    }

    void dual(float[] x, float[] tx, float[] y, float[] ty, int rows, int n) {
        throw new UnsupportedOperationException("CpuSoftmax not implemented yet");
    }

    void backward(float[] y, float[] dy, float[] dx, int rows, int n) {
        throw new UnsupportedOperationException("CpuSoftmax not implemented yet");
    }
}
