package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;

/**
 * Spreads a {@link GemmSpec} over the pool's threads as calls of a single-threaded {@link NativeSgemm} (AMX or
 * AVX-512): whole matrices per thread when the batch has enough of them; else, per matrix, k split into one range per
 * thread when k is long against C (the weight gradients: the partial products are added in range order, so the result
 * does not depend on which thread ran a range), or C's rows (or columns, when wider than tall) in 32-aligned ranges,
 * each range packing all of the other operand.
 */
final class NativeGemm {
    /**
     * Products with fewer columns, less depth, or a smaller n·k than these stay on the Vector API kernel (an AMX tile is
     * 16 columns over 32 of depth, an AVX-512 tile 32 columns; packing dominates small products). m is left out on
     * purpose: a layer's rows grow with the batch, and a product's bits must not depend on the batch (sample --batch
     * gives the same images).
     */
    static final int MIN_N = 16, MIN_K = 32, MIN_NK = 1 << 12;
    /**
     * k split across threads when it is at least this many times C's longer side and at least {@code K_SPLIT_MIN}: the
     * weight gradients (k = batch·tokens). A layer's own depth (k = features) stays whole even when a small batch makes
     * C short, so that a row's bits do not depend on the batch.
     */
    private static final int K_SPLIT_RATIO = 8, K_SPLIT_MIN = 2048;
    /** Rows or columns of a range are multiples of this (AMX's 32×32 block, four of AVX-512's 8×32 tiles). */
    static final int ALIGN = 32;

    private static final ThreadLocal<float[]> PARTIALS = ThreadLocal.withInitial(() -> new float[0]);

    private NativeGemm() {}

    /** Whether this product goes to the native GEMM: wide and deep enough for its tiles to pay, whatever its rows. */
    static boolean takes(GemmSpec s) { return s.n() >= MIN_N && s.k() >= MIN_K && (long) s.n() * s.k() >= MIN_NK; }

    /** For logs: which products {@link #takes}. */
    static String describeTaken() { return "n ≥ " + MIN_N + ", k ≥ " + MIN_K + ", n·k ≥ " + MIN_NK; }

    static void gemm(WorkerPool pool, NativeSgemm lib, GemmSpec s, float[] a, float[] b, float[] c) {
        int t = pool.threads();
        if (s.batch() >= 2 * t) {
            pool.parallelForClaimed(s.batch(), s.batch(), (b0, b1) -> {
                for (int bi = b0; bi < b1; bi++) range(lib, s, a, b, c, bi, 0, s.m(), 0, s.n());
            });
            return;
        }
        for (int bi = 0; bi < s.batch(); bi++) {
            if (t > 1 && s.k() >= K_SPLIT_MIN && s.k() >= K_SPLIT_RATIO * Math.max(s.m(), s.n())) splitK(pool, lib, s, a, b, c, bi);
            else splitC(pool, lib, s, a, b, c, bi);
        }
    }

    /** C's rows (or columns) in one 32-aligned range per thread. */
    private static void splitC(WorkerPool pool, NativeSgemm lib, GemmSpec s, float[] a, float[] b, float[] c, int bi) {
        int m = s.m(), n = s.n();
        boolean byRows = m >= n;
        int units = ((byRows ? m : n) + ALIGN - 1) / ALIGN;
        pool.parallelFor(units, 1, (u0, u1) -> {
            int from = u0 * ALIGN, to = Math.min(byRows ? m : n, u1 * ALIGN);
            if (byRows) range(lib, s, a, b, c, bi, from, to, 0, n);
            else range(lib, s, a, b, c, bi, 0, m, from, to);
        });
    }

    /** Rows [i0, i1) and columns [j0, j1) of matrix {@code bi}'s C, over the whole depth. */
    private static void range(NativeSgemm lib, GemmSpec s, float[] a, float[] b, float[] c, int bi, int i0, int i1, int j0, int j1) {
        long oa = s.offA() + bi * s.strideA() + (s.transA() ? i0 : (long) i0 * s.lda());
        long ob = s.offB() + bi * s.strideB() + (s.transB() ? (long) j0 * s.ldb() : j0);
        long oc = s.offC() + bi * s.strideC() + (long) i0 * s.ldc() + j0;
        lib.gemm(s.transA(), s.transB(), i1 - i0, j1 - j0, s.k(), s.alpha(), a, oa, s.lda(), b, ob, s.ldb(), s.beta(), c, oc, s.ldc());
    }

    /**
     * One depth range per thread: the first into C (with beta), the others into partial products that are then
     * added into C in range order, rows split across the threads.
     */
    private static void splitK(WorkerPool pool, NativeSgemm lib, GemmSpec s, float[] a, float[] b, float[] c, int bi) {
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
                if (r == 0) lib.gemm(s.transA(), s.transB(), m, n, k1 - k0, s.alpha(), a, oa + da, s.lda(), b, ob + db, s.ldb(), s.beta(), c, oc, s.ldc());
                else lib.gemm(s.transA(), s.transB(), m, n, k1 - k0, s.alpha(), a, oa + da, s.lda(), b, ob + db, s.ldb(), 0f, p, (r - 1) * mn, n);
            }
        });
        int ldc = s.ldc();
        pool.parallelFor(m, Math.max(1, GemmPacked.REDUCE_MIN_FLOATS / (n * (parts - 1))), (i0, i1) -> {
            for (int i = i0; i < i1; i++) GemmSimd.addPartials(c, (int) oc + i * ldc, p, i * n, (int) mn, parts - 1, n);
        });
    }
}
