package imfengine.backend.cpu;

/**
 * A single-threaded fp32 GEMM in a native library ({@link AmxLibrary}, {@link Avx512Library}), run on the calling
 * thread; {@link NativeGemm} spreads a product over the pool's threads as calls of it.
 */
interface NativeSgemm {
    /**
     * {@code C = alpha·op(A)·op(B) + beta·C}: op(A) m×k from {@code a[offA..]} (stored k×m when {@code transA}), op(B)
     * k×n from {@code b[offB..]} (stored n×k when {@code transB}), C m×n at {@code c[offC..]}. C is not read when
     * {@code beta == 0}.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, long offA, int lda,
              float[] b, long offB, int ldb, float beta, float[] c, long offC, int ldc);
}
