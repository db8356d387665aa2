package imfengine.backend.cpu;

/** SwiGLU gate kernels (to be implemented). */
final class CpuSwiglu {
    private final WorkerPool pool;
    private final boolean simd;

    CpuSwiglu(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void forward(float[] a, float[] b, float[] y, int n) {
        throw new UnsupportedOperationException("CpuSwiglu not implemented yet");
    }

    void dual(float[] a, float[] ta, float[] b, float[] tb, float[] y, float[] ty, int n) {
        throw new UnsupportedOperationException("CpuSwiglu not implemented yet");
    }

    void backward(float[] a, float[] b, float[] dy, float[] da, float[] db, int n) {
        throw new UnsupportedOperationException("CpuSwiglu not implemented yet");
    }
}
