package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;

/** Matrix products. Placeholder: a plain triple loop until the blocked, packed kernel lands. */
final class CpuGemm {
    private final WorkerPool pool;
    private final boolean simd;

    CpuGemm(WorkerPool pool, boolean simd) {
        this.pool = pool;
        this.simd = simd;
    }

    void gemm(GemmSpec s, float[] a, float[] b, float[] c) {
        for (int bi = 0; bi < s.batch(); bi++) {
            long oa = s.offA() + bi * s.strideA(), ob = s.offB() + bi * s.strideB(), oc = s.offC() + bi * s.strideC();
            for (int i = 0; i < s.m(); i++) {
                for (int j = 0; j < s.n(); j++) {
                    float acc = 0f;
                    for (int p = 0; p < s.k(); p++) {
                        float av = s.transA() ? a[(int) (oa + (long) p * s.lda() + i)] : a[(int) (oa + (long) i * s.lda() + p)];
                        float bv = s.transB() ? b[(int) (ob + (long) j * s.ldb() + p)] : b[(int) (ob + (long) p * s.ldb() + j)];
                        acc += av * bv;
                    }
                    int ci = (int) (oc + (long) i * s.ldc() + j);
                    c[ci] = s.alpha() * acc + (s.beta() == 0f ? 0f : s.beta() * c[ci]);
                }
            }
        }
    }
}
