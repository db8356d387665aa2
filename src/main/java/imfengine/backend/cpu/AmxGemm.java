package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;

/**
 * Products that share A on the {@link AmxLibrary} GEMM: one library call per thread packs A once for all of them
 * ({@link NativeGemm} runs the single products).
 */
final class AmxGemm {
    private AmxGemm() {}

    /**
     * Whether {@link #gemmSharedA} takes these products: 2 to {@link AmxLibrary#MAX_SHARED} that {@link NativeGemm#takes}, one matrix
     * each, with one A, the same shape and strides, n a multiple of 32 (a 32-column block then lies in one product),
     * alpha 1 and beta 0 or 1 (as every iMF projection).
     */
    static boolean sharesA(GemmSpec[] s) {
        GemmSpec s0 = s[0];
        if (s.length < 2 || s.length > AmxLibrary.MAX_SHARED || !NativeGemm.takes(s0) || s0.n() % NativeGemm.ALIGN != 0 || s0.alpha() != 1f
                || (s0.beta() != 0f && s0.beta() != 1f)) return false;
        for (GemmSpec si : s) {
            if (si.batch() != 1 || si.m() != s0.m() || si.n() != s0.n() || si.k() != s0.k() || si.transA() != s0.transA()
                    || si.transB() != s0.transB() || si.lda() != s0.lda() || si.ldb() != s0.ldb() || si.ldc() != s0.ldc()
                    || si.offA() != s0.offA() || si.beta() != s0.beta()) return false;
        }
        return true;
    }

    /**
     * The products of {@link #sharesA} in one library call per thread, each packing A once for all of them: the q, k, v
     * projections or SwiGLU's two (xs: 2208×96×96 three times 0.84 of three calls, 2208×256×96 twice 0.91; s: 0.96 and
     * 1.00, its 512 columns twice being more than one block). C's rows in 32-aligned ranges, one per thread. The bits
     * of one {@link #gemm} each.
     */
    static void gemmSharedA(WorkerPool pool, AmxLibrary amx, GemmSpec[] s, float[] a, float[][] b, float[][] c) {
        GemmSpec s0 = s[0];
        int m = s0.m(), units = (m + NativeGemm.ALIGN - 1) / NativeGemm.ALIGN;
        long[] offB = new long[s.length];
        for (int i = 0; i < s.length; i++) offB[i] = s[i].offB();
        pool.parallelFor(units, 1, (u0, u1) -> {
            int i0 = u0 * NativeGemm.ALIGN, i1 = Math.min(m, u1 * NativeGemm.ALIGN);
            long[] offC = new long[s.length];
            for (int i = 0; i < s.length; i++) offC[i] = s[i].offC() + (long) i0 * s0.ldc();
            long oa = s0.offA() + (s0.transA() ? i0 : (long) i0 * s0.lda());
            amx.gemmSharedA(s0.transA(), s0.transB(), i1 - i0, s0.n(), s0.k(), a, oa, s0.lda(), b, offB, s0.ldb(), s0.beta(), c, offC, s0.ldc());
        });
    }
}
