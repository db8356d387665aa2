package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;

/**
 * Matrix products {@code C = alpha·op(A)·op(B) + beta·C} (see {@link GemmSpec}). With SIMD on, products
 * {@link NativeGemm#takes} go to a native kernel where this machine runs one (the {@link AmxLibrary} on AMX, else the
 * {@link Avx512Library} with 16-lane vectors), the others to {@link GemmPacked}, the blocked, packed Vector API kernel;
 * with SIMD off the scalar loop here runs, which is also the reference the fast paths are tested against. All leave C
 * unread when {@code beta == 0}, and none reads A or B when {@code alpha == 0} or {@code k == 0}.
 */
final class CpuGemm {
    private final WorkerPool pool;
    private final boolean simd;
    /** The AMX kernel, or null: SIMD off, or not on this machine. */
    private final AmxLibrary amx;
    /** The native kernel of the products {@link NativeGemm#takes}: {@link #amx}, else the AVX-512 one, or null. */
    private final NativeSgemm nativeGemm;

    CpuGemm(WorkerPool pool, boolean simd) { this(pool, simd, true); }

    /** {@code useNative} false keeps every product on the Vector API kernel (tests compare the two). */
    CpuGemm(WorkerPool pool, boolean simd, boolean useNative) {
        this.pool = pool;
        this.simd = simd;
        this.amx = simd && useNative ? AmxLibrary.get().orElse(null) : null;
        this.nativeGemm = amx != null ? amx : simd && useNative ? Avx512Library.get().orElse(null) : null;
    }

    /**
     * For logs: which native kernel runs the larger products, e.g. {@code AMX bf16x3 for GEMMs with n ≥ 16, k ≥ 32, n·k ≥
     * 4096} or {@code no AMX (the CPU has no AMX-BF16), AVX-512 sgemm for GEMMs with …}.
     */
    String nativeStatus() {
        if (amx != null) return AmxLibrary.status() + " for GEMMs with " + NativeGemm.describeTaken();
        if (nativeGemm != null) return AmxLibrary.status() + ", " + Avx512Library.status() + " for GEMMs with " + NativeGemm.describeTaken();
        return AmxLibrary.status() + ", " + Avx512Library.status();
    }

    /** {@code c} Modified; {@code a}, {@code b} Not modified. */
    void gemm(GemmSpec s, float[] a, float[] b, float[] c) {
        if (s.batch() <= 0 || s.m() <= 0 || s.n() <= 0) return;
        if (nativeGemm != null && NativeGemm.takes(s)) NativeGemm.gemm(pool, nativeGemm, s, a, b, c);
        else if (simd) GemmPacked.gemm(pool, s, a, b, c);
        else {
            long work = (long) s.n() * Math.max(1, s.k());
            pool.parallelFor(s.batch() * s.m(), (int) Math.max(1, (1 << 16) / work), (from, to) -> scalarRows(s, a, b, c, from, to));
        }
    }

    /**
     * {@link #gemm} of each {@code (s[i], a, b[i], c[i])}; on the Vector API kernel, products that share A pack it once
     * ({@link GemmPacked#gemmSharedA}). Which kernel runs them follows from the first product's n and k, never its rows.
     */
    void gemmSharedA(GemmSpec[] s, float[] a, float[][] b, float[][] c) {
        boolean onNative = nativeGemm != null && NativeGemm.takes(s[0]);
        if (onNative && amx != null && AmxGemm.sharesA(s)) AmxGemm.gemmSharedA(pool, amx, s, a, b, c);
        else if (simd && !onNative && GemmPacked.sharesA(s)) GemmPacked.gemmSharedA(pool, s, a, b, c);
        else for (int i = 0; i < s.length; i++) gemm(s[i], a, b[i], c[i]);
    }

    /** Rows {@code [from, to)} of the stacked batch: one dot product per element, in float. */
    static void scalarRows(GemmSpec s, float[] a, float[] b, float[] c, int from, int to) {
        int m = s.m(), n = s.n(), k = s.k(), lda = s.lda(), ldb = s.ldb(), ldc = s.ldc();
        boolean skipAB = k == 0 || s.alpha() == 0f;
        for (int row = from; row < to; row++) {
            int bi = row / m, i = row % m;
            int oa = (int) (s.offA() + bi * s.strideA()), ob = (int) (s.offB() + bi * s.strideB());
            int ci = (int) (s.offC() + bi * s.strideC()) + i * ldc;
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                if (!skipAB) {
                    for (int p = 0; p < k; p++) {
                        float av = s.transA() ? a[oa + p * lda + i] : a[oa + i * lda + p];
                        float bv = s.transB() ? b[ob + j * ldb + p] : b[ob + p * ldb + j];
                        acc += av * bv;
                    }
                }
                c[ci + j] = s.alpha() * acc + (s.beta() == 0f ? 0f : s.beta() * c[ci + j]);
            }
        }
    }
}
