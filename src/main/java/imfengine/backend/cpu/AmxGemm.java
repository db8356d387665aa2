package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;

/**
 * Spreads a {@link GemmSpec} over the pool's threads as calls of the single-threaded {@link AmxLibrary} GEMM: whole
 * matrices per thread when the batch has enough of them; else, per matrix, k split into one range per thread when
 * k is long against C (the weight gradients: the partial products are added in range order, so the result does not
 * depend on which thread ran a range), or C's rows (or columns, when wider than tall) in 32-aligned ranges, each range
 * packing all of the other operand.
 */
final class AmxGemm {
    /**
     * Products with fewer columns, less depth, or a smaller n·k than these stay on the Vector API kernel (an AMX tile is
     * 16 columns over 32 of depth; packing dominates small products). m is left out on purpose: a layer's rows grow
     * with the batch, and a product's bits must not depend on the batch (sample --batch gives the same images).
     */
    static final int MIN_N = 16, MIN_K = 32, MIN_NK = 1 << 12;
    /**
     * k split across threads when it is at least this many times C's longer side and at least {@code K_SPLIT_MIN}: the
     * weight gradients (k = batch·tokens). A layer's own depth (k = features) stays whole even when a small batch makes
     * C short, so that a row's bits do not depend on the batch.
     */
    private static final int K_SPLIT_RATIO = 8, K_SPLIT_MIN = 2048;
    /** Rows or columns of a range are multiples of this (the kernel's 32×32 block). */
    private static final int ALIGN = 32;

    private static final ThreadLocal<float[]> PARTIALS = ThreadLocal.withInitial(() -> new float[0]);

    private AmxGemm() {}

    /** Whether this product goes to AMX: wide and deep enough for tiles to pay, whatever its rows. */
    static boolean takes(GemmSpec s) { return s.n() >= MIN_N && s.k() >= MIN_K && (long) s.n() * s.k() >= MIN_NK; }

    /** For logs: which products {@link #takes}. */
    static String describeTaken() { return "n ≥ " + MIN_N + ", k ≥ " + MIN_K + ", n·k ≥ " + MIN_NK; }

    static void gemm(WorkerPool pool, AmxLibrary amx, GemmSpec s, float[] a, float[] b, float[] c) {
        int t = pool.threads();
        if (s.batch() >= 2 * t) {
            pool.parallelForClaimed(s.batch(), s.batch(), (b0, b1) -> {
                for (int bi = b0; bi < b1; bi++) range(amx, s, a, b, c, bi, 0, s.m(), 0, s.n());
            });
            return;
        }
        for (int bi = 0; bi < s.batch(); bi++) {
            if (t > 1 && s.k() >= K_SPLIT_MIN && s.k() >= K_SPLIT_RATIO * Math.max(s.m(), s.n())) splitK(pool, amx, s, a, b, c, bi);
            else splitC(pool, amx, s, a, b, c, bi);
        }
    }

    /**
     * Whether {@link #gemmSharedA} takes these products: 2 to {@link AmxLibrary#MAX_SHARED} that {@link #takes}, one matrix
     * each, with one A, the same shape and strides, n a multiple of 32 (a 32-column block then lies in one product),
     * alpha 1 and beta 0 or 1 (as every iMF projection).
     */
    static boolean sharesA(GemmSpec[] s) {
        GemmSpec s0 = s[0];
        if (s.length < 2 || s.length > AmxLibrary.MAX_SHARED || !takes(s0) || s0.n() % ALIGN != 0 || s0.alpha() != 1f
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
        int m = s0.m(), units = (m + ALIGN - 1) / ALIGN;
        long[] offB = new long[s.length];
        for (int i = 0; i < s.length; i++) offB[i] = s[i].offB();
        pool.parallelFor(units, 1, (u0, u1) -> {
            int i0 = u0 * ALIGN, i1 = Math.min(m, u1 * ALIGN);
            long[] offC = new long[s.length];
            for (int i = 0; i < s.length; i++) offC[i] = s[i].offC() + (long) i0 * s0.ldc();
            long oa = s0.offA() + (s0.transA() ? i0 : (long) i0 * s0.lda());
            amx.gemmSharedA(s0.transA(), s0.transB(), i1 - i0, s0.n(), s0.k(), a, oa, s0.lda(), b, offB, s0.ldb(), s0.beta(), c, offC, s0.ldc());
        });
    }

    /** C's rows (or columns) in one 32-aligned range per thread. */
    private static void splitC(WorkerPool pool, AmxLibrary amx, GemmSpec s, float[] a, float[] b, float[] c, int bi) {
        int m = s.m(), n = s.n();
        boolean byRows = m >= n;
        int units = ((byRows ? m : n) + ALIGN - 1) / ALIGN;
        pool.parallelFor(units, 1, (u0, u1) -> {
            int from = u0 * ALIGN, to = Math.min(byRows ? m : n, u1 * ALIGN);
            if (byRows) range(amx, s, a, b, c, bi, from, to, 0, n);
            else range(amx, s, a, b, c, bi, 0, m, from, to);
        });
    }

    /** Rows [i0, i1) and columns [j0, j1) of matrix {@code bi}'s C, over the whole depth. */
    private static void range(AmxLibrary amx, GemmSpec s, float[] a, float[] b, float[] c, int bi, int i0, int i1, int j0, int j1) {
        long oa = s.offA() + bi * s.strideA() + (s.transA() ? i0 : (long) i0 * s.lda());
        long ob = s.offB() + bi * s.strideB() + (s.transB() ? (long) j0 * s.ldb() : j0);
        long oc = s.offC() + bi * s.strideC() + (long) i0 * s.ldc() + j0;
        amx.gemm(s.transA(), s.transB(), i1 - i0, j1 - j0, s.k(), s.alpha(), a, oa, s.lda(), b, ob, s.ldb(), s.beta(), c, oc, s.ldc());
    }

    /**
     * One depth range per thread: the first into C (with beta), the others into partial products that are then
     * added into C in range order, rows split across the threads.
     */
    private static void splitK(WorkerPool pool, AmxLibrary amx, GemmSpec s, float[] a, float[] b, float[] c, int bi) {
        int m = s.m(), n = s.n(), k = s.k(), parts = pool.threads();
        int tiles = (k + ALIGN - 1) / ALIGN;
        long mn = (long) m * n;
        float[] partials = PARTIALS.get();
        if (partials.length < (parts - 1) * mn) PARTIALS.set(partials = new float[Math.toIntExact((parts - 1) * mn)]);
        float[] p = partials;
        long oa = s.offA() + bi * s.strideA(), ob = s.offB() + bi * s.strideB(), oc = s.offC() + bi * s.strideC();
        pool.parallelFor(parts, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int k0 = (int) ((long) tiles * r / parts) * ALIGN, k1 = Math.min(k, (int) ((long) tiles * (r + 1) / parts) * ALIGN);
                long da = s.transA() ? (long) k0 * s.lda() : k0, db = s.transB() ? k0 : (long) k0 * s.ldb();
                if (r == 0) amx.gemm(s.transA(), s.transB(), m, n, k1 - k0, s.alpha(), a, oa + da, s.lda(), b, ob + db, s.ldb(), s.beta(), c, oc, s.ldc());
                else amx.gemm(s.transA(), s.transB(), m, n, k1 - k0, s.alpha(), a, oa + da, s.lda(), b, ob + db, s.ldb(), 0f, p, (r - 1) * mn, n);
            }
        });
        int ldc = s.ldc();
        pool.parallelFor(m, Math.max(1, GemmPacked.REDUCE_MIN_FLOATS / (n * (parts - 1))), (i0, i1) -> {
            for (int i = i0; i < i1; i++) GemmSimd.addPartials(c, (int) oc + i * ldc, p, i * n, (int) mn, parts - 1, n);
        });
    }
}
