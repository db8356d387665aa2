package imfengine.backend.cpu;

import imfengine.backend.AttentionSpec;

/** Multi-head attention kernels (to be implemented). */
final class CpuAttention {
    private final WorkerPool pool;
    private final boolean simd;

    CpuAttention(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void forward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse) {
        throw new UnsupportedOperationException("CpuAttention not implemented yet");
    }

    void dual(AttentionSpec s, float[] q, float[] tq, float[] k, float[] tk, float[] v, float[] tv, float[] o, float[] to, float[] lse) {
        throw new UnsupportedOperationException("CpuAttention not implemented yet");
    }

    void backward(AttentionSpec s, float[] q, float[] k, float[] v, float[] o, float[] lse, float[] dO, float[] dq, float[] dk, float[] dv) {
        throw new UnsupportedOperationException("CpuAttention not implemented yet");
    }
}
