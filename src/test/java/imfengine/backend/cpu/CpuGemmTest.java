package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import imfengine.backend.GemmSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Both GEMM paths (SIMD packed kernel and scalar reference) against a float64 naive product.
 *
 * <p>Tolerance, per element: {@code |c − ref| ≤ ATOL + RTOL·sqrt(k + 1)·mag}, where
 * {@code mag = |alpha|·Σ_p |op(A)_ip·op(B)_pj| + |beta·c_ij|} is the magnitude of the terms summed.
 * Using the term magnitude instead of {@code |ref|} keeps the bound meaningful when random signs
 * cancel; {@code sqrt(k)} is the usual growth of float rounding error over a k-term sum.
 */
class CpuGemmTest {
    private static final double ATOL = 1e-6;
    private static final double RTOL = 2e-5;

    private static final WorkerPool POOL1 = new WorkerPool(1), POOL2 = new WorkerPool(2), POOL3 = new WorkerPool(3);

    /**
     * The paths under test: scalar always, SIMD when the Vector API module is present, AMX or else the AVX-512 library (for
     * the products they take, SIMD for the others) where this machine runs one; on 1, 2 and 3 threads.
     */
    private record Path(String name, CpuGemm gemm) {}

    private static List<Path> paths() {
        List<Path> out = new ArrayList<>();
        for (WorkerPool p : new WorkerPool[] {POOL1, POOL2, POOL3}) {
            out.add(new Path("scalar/" + p.threads() + "t", new CpuGemm(p, false)));
            if (VectorSupport.present()) out.add(new Path("simd/" + p.threads() + "t", new CpuGemm(p, true, false)));
            if (VectorSupport.present() && AmxLibrary.get().isPresent()) out.add(new Path("amx/" + p.threads() + "t", new CpuGemm(p, true, true)));
            else if (VectorSupport.present() && Avx512Library.get().isPresent()) out.add(new Path("avx512/" + p.threads() + "t", new CpuGemm(p, true, true)));
        }
        return out;
    }

    private static List<Path> simdPaths() {
        Assumptions.assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        return paths().stream().filter(p -> p.name().startsWith("simd")).toList();
    }

    /** {@code -Dimf.gemm.rows} (the pom runs this class with 4, 8 and 12) selects the tile the SIMD path runs, {@code -Dimf.gemm.a} how it reads A. */
    @Test void forcedTileIsTheOneInUse() {
        Assumptions.assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        String forced = System.getProperty("imf.gemm.rows");
        System.out.println("CpuGemmTest: gemm tile " + GemmSimd.tile() + (forced == null ? " (by vector width)" : " (imf.gemm.rows=" + forced + ")")
                + (GemmSimd.READS_A_IN_PLACE ? ", A in place" : ", A packed"));
        if (forced != null) assertEquals(forced.equals("12") && GemmSimd.L < 16 ? 4 : Integer.parseInt(forced), GemmSimd.MR); // 12 needs 16 lanes
        assertEquals(GemmSimd.MR + "x" + GemmSimd.NR, GemmSimd.tile());
        String a = System.getProperty("imf.gemm.a"); // the pom runs the 8-row tile with A in place and packed
        if (a != null) assertEquals(GemmSimd.MR == 8 && a.equals("in-place"), GemmSimd.READS_A_IN_PLACE);
    }

    /** {@code -Dimf.gemm.blocks} (the pom runs this class once with small blocks) sets the blocks the SIMD path runs. */
    @Test void forcedBlocksAreTheOnesInUse() {
        Assumptions.assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        String forced = System.getProperty("imf.gemm.blocks");
        System.out.println("CpuGemmTest: gemm blocks " + GemmPacked.BLOCKING.describe() + (forced == null ? " (by caches: " + CpuCaches.detect().describe() + ")" : " (imf.gemm.blocks=" + forced + ")"));
        GemmBlocking expected = forced == null ? GemmBlocking.forCaches(CpuCaches.detect(), GemmSimd.MR, GemmSimd.NR)
                : GemmBlocking.parse(forced, GemmSimd.MR, GemmSimd.NR);
        assertEquals(expected, GemmPacked.BLOCKING);
        assertEquals(expected.kc(), GemmPacked.KC);
        assertEquals(expected.kcSplitK(), GemmPacked.KC_SPLIT_K);
    }

    @Test void knownTwoByTwo() {
        float[] a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, expected = {19, 22, 43, 50};
        for (Path path : paths()) {
            CpuGemm g = path.gemm();
            float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
            g.gemm(GemmSpec.of(2, 2, 2, false, false, 1f, 0f), a, b, c);
            assertArrayEquals(expected, c, 0f);
        }
    }

    @Test void randomOddSizesAllTransposes() {
        Random r = new Random(345);
        for (int t = 0; t < 40; t++) {
            int m = 1 + r.nextInt(70), n = 1 + r.nextInt(70), k = 1 + r.nextInt(70);
            for (int tr = 0; tr < 4; tr++) {
                float alpha = t % 3 == 0 ? 1f : r.nextFloat() * 2 - 1, beta = t % 4 == 0 ? 0f : r.nextFloat() * 2 - 1;
                check(GemmSpec.of(m, n, k, (tr & 1) != 0, (tr & 2) != 0, alpha, beta), r, paths());
            }
        }
    }

    @Test void edgeSizes() {
        Random r = new Random(7);
        int[] sizes = {1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65};
        for (int m : sizes) for (int n : sizes) {
            int k = sizes[(m + n) % sizes.length];
            check(GemmSpec.of(m, n, k, (m & 1) != 0, (n & 1) != 0, 1f, 0f), r, simdPaths());
        }
    }

    /** Crosses the KC, MC and NC block edges of the packed kernel. */
    @Test void blockBoundaries() {
        Random r = new Random(11);
        check(GemmSpec.of(300, 70, 600, false, false, 1f, 0f), r, simdPaths());
        check(GemmSpec.of(9, 1100, 300, false, true, 1f, 0.5f), r, simdPaths());
        check(GemmSpec.of(257, 33, 513, true, false, 0.7f, 1f), r, simdPaths());
        check(GemmSpec.of(130, 130, 257, true, true, 1f, 0f), r, paths());
        List<Path> simd = simdPaths(); // (skips here without the Vector API, before GemmPacked.KC loads it)
        // KC depends on the vector width (256 or 512): cross it whatever it is, untransposed and transposed
        check(GemmSpec.of(70, 40, 2 * GemmPacked.KC + 3, false, false, 1f, 0.5f), r, simd);
        check(GemmSpec.of(40, 70, GemmPacked.KC + 1, true, true, 1f, 1f), r, simd);
    }

    /**
     * Products whose row chunks would be short: with the 4-row tile the threads share one packed B, with the
     * 8-row tile they take column chunks reading A in place. Several NC column blocks and KC depth blocks (beta
     * on the first only), ragged edges, and a batch whose items are split each on its own.
     */
    @Test void rowChunksSharingPackedB() {
        Random r = new Random(13);
        check(GemmSpec.of(1030, 1100, 520, false, true, 0.7f, 0.5f), r, simdPaths());
        List<Path> simd = simdPaths();
        check(GemmSpec.batched(2, 1030, 520, GemmPacked.KC + 44, true, false, 1f, 1f), r, simd);
    }

    /**
     * Products that share A ({@link CpuGemm#gemmSharedA}: q, k, v of one input) give the bits of one {@code gemm}
     * call each: several depth blocks, ragged rows and widths, beta adding into C, on 1–3 threads; products that do
     * not share A (another k) take the separate calls.
     */
    @Test void productsSharingAMatchSeparateProducts() {
        Random r = new Random(17);
        int kc = VectorSupport.present() ? GemmPacked.KC : 64;
        sharedA(r, 2208, 96, new int[] {96, 96, 96}, 0f);
        sharedA(r, 301, 2 * kc + 5, new int[] {70, 33, 128}, 0.5f);
        sharedA(r, 13, 40, new int[] {256, 7}, 1f);
        GemmSpec[] mixed = {GemmSpec.of(50, 20, 30, false, true, 1f, 0f), GemmSpec.of(50, 20, 31, false, true, 1f, 0f)};
        if (VectorSupport.present()) {
            assertFalse(GemmPacked.sharesA(mixed));
            int half = GemmPacked.NC / 2 + 1; // together wider than one B block: separate calls
            assertFalse(GemmPacked.sharesA(new GemmSpec[] {GemmSpec.of(50, half, 30, false, true, 1f, 0f), GemmSpec.of(50, half, 30, false, true, 1f, 0f)}));
            sharedA(r, 40, 30, new int[] {half, half}, 0f);
        }
    }

    /**
     * On AMX, products that share A ({@link AmxGemm#sharesA}: alpha 1, widths of 32) run as one library call that packs
     * A once ({@link AmxGemm#gemmSharedA}) and give the bits of one {@code gemm} each: q, k, v and SwiGLU's shapes,
     * transposes, beta 1, offsets into A, B and C, ragged rows, on 1–3 threads. Shapes it does not take stay separate.
     */
    @Test void amxProductsSharingAMatchSeparateProducts() {
        Assumptions.assumeTrue(VectorSupport.present() && AmxLibrary.get().isPresent(), "no AMX on this machine: " + AmxLibrary.status());
        Random r = new Random(37);
        for (int variant = 0; variant < 4; variant++) {
            boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
            amxSharedA(r, 2208, 96, 96, 3, ta, tb, 0f);
            amxSharedA(r, 301, 256, 300, 2, ta, tb, 1f);
            amxSharedA(r, 45, 64, 600, 3, ta, tb, 0f);
        }
        GemmSpec taken = GemmSpec.of(64, 96, 96, false, true, 1f, 0f);
        assertTrue(AmxGemm.sharesA(new GemmSpec[] {taken, taken, taken}));
        assertFalse(AmxGemm.sharesA(new GemmSpec[] {taken, taken, taken, taken}), "four products");
        assertFalse(AmxGemm.sharesA(new GemmSpec[] {GemmSpec.of(64, 80, 96, false, true, 1f, 0f), GemmSpec.of(64, 80, 96, false, true, 1f, 0f)}), "n not of 32");
        assertFalse(AmxGemm.sharesA(new GemmSpec[] {GemmSpec.of(64, 96, 96, false, true, 0.5f, 0f), GemmSpec.of(64, 96, 96, false, true, 0.5f, 0f)}), "alpha");
        assertFalse(AmxGemm.sharesA(new GemmSpec[] {taken, GemmSpec.of(64, 96, 96, false, false, 1f, 0f)}), "another transpose");
    }

    /** {@code count} products m×n×k sharing A, each B and C at its own offset in a longer array. */
    private static void amxSharedA(Random r, int m, int n, int k, int count, boolean ta, boolean tb, float beta) {
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2, offA = 7;
        GemmSpec[] specs = new GemmSpec[count];
        float[] a = random(r, offA + lda * (ta ? k : m));
        float[][] b = new float[count][], c0 = new float[count][];
        for (int i = 0; i < count; i++) {
            int offB = 3 + i, offC = 5 + 2 * i;
            specs[i] = new GemmSpec(1, m, n, k, ta, tb, lda, ldb, ldc, offA, offB, offC, 0, 0, 0, 1f, beta);
            b[i] = random(r, offB + ldb * (tb ? n : k));
            c0[i] = random(r, offC + ldc * m);
        }
        assertTrue(AmxGemm.sharesA(specs), "taken: " + m + "x" + n + "x" + k);
        for (Path path : paths())
            if (path.name().startsWith("amx")) assertSharedAsSeparate(path, specs, a, b, c0, "transA " + ta + " transB " + tb);
    }

    /** {@code path}'s {@code gemmSharedA} of the products gives each C the bits of its own {@code gemm} (C starting as {@code c0}). */
    private static void assertSharedAsSeparate(Path path, GemmSpec[] specs, float[] a, float[][] b, float[][] c0, String what) {
        int count = specs.length;
        float[][] shared = new float[count][], separate = new float[count][];
        for (int i = 0; i < count; i++) {
            shared[i] = c0[i].clone();
            separate[i] = c0[i].clone();
            path.gemm().gemm(specs[i], a, b[i], separate[i]);
        }
        path.gemm().gemmSharedA(specs, a, b, shared);
        for (int i = 0; i < count; i++) {
            GemmSpec s = specs[i];
            assertArrayEquals(separate[i], shared[i], path.name() + " " + s.m() + "x" + s.n() + "x" + s.k() + " " + what + ", product " + i);
        }
    }

    private static void sharedA(Random r, int m, int k, int[] widths, float beta) {
        int n = widths.length;
        GemmSpec[] specs = new GemmSpec[n];
        float[] a = random(r, m * k);
        float[][] b = new float[n][], c0 = new float[n][];
        for (int i = 0; i < n; i++) {
            specs[i] = GemmSpec.of(m, widths[i], k, false, true, 0.75f, beta);
            b[i] = random(r, widths[i] * k);
            c0[i] = random(r, m * widths[i]);
        }
        for (Path path : paths()) assertSharedAsSeparate(path, specs, a, b, c0, "beta " + beta);
    }

    /** The in-register 4-row transpose packs exactly what the scalar walk would, for any depth and offsets. */
    @Test void fourRowPanelPackingMatchesScalarWalk() {
        Assumptions.assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        assertPacksLikeScalarWalk(4, new Random(17));
    }

    /** The same for the 8-row transpose (its shuffles need 8 lanes or more). */
    @Test void eightRowPanelPackingMatchesScalarWalk() {
        Assumptions.assumeTrue(VectorSupport.present() && GemmSimd.L >= 8, "needs jdk.incubator.vector with 8 lanes or more");
        assertPacksLikeScalarWalk(8, new Random(19));
    }

    /** The same for the 12-row transpose (16 lanes only). */
    @Test void twelveRowPanelPackingMatchesScalarWalk() {
        Assumptions.assumeTrue(VectorSupport.present() && GemmSimd.L == 16, "needs jdk.incubator.vector with 16 lanes");
        assertPacksLikeScalarWalk(12, new Random(23));
    }

    /** Four 12-float panel rows of a transposed A, joined into three vectors, are the four rows copied in order. */
    @Test void twelveRowPanelRowsOfATransposedA() {
        Assumptions.assumeTrue(VectorSupport.present() && GemmSimd.L == 16, "needs jdk.incubator.vector with 16 lanes");
        Random r = new Random(29);
        int lda = 53, from = 7;
        float[] a = random(r, from + 3 * lda + 16), ap = new float[3 + 48];
        GemmSimd.packPanelRows12(a, from, lda, ap, 3);
        for (int q = 0; q < 4; q++)
            for (int row = 0; row < 12; row++)
                assertEquals(a[from + q * lda + row], ap[3 + q * 12 + row], 0f, "step " + q + ", row " + row);
    }

    private static void assertPacksLikeScalarWalk(int rows, Random r) {
        for (int kc : new int[] {1, 7, GemmSimd.L, 2 * GemmSimd.L + 3, 96, 256}) {
            int lda = kc + 5, from = 3;
            float[] a = random(r, from + rows * lda), ap = new float[2 + rows * kc];
            if (rows == 4) GemmSimd.packRows4(a, from, lda, kc, ap, 2);
            else if (rows == 8) GemmSimd.packRows8(a, from, lda, kc, ap, 2);
            else GemmSimd.packRows12(a, from, lda, kc, ap, 2);
            for (int p = 0; p < kc; p++)
                for (int row = 0; row < rows; row++)
                    assertEquals(a[from + row * lda + p], ap[2 + p * rows + row], 0f, rows + " rows, kc " + kc + ", p " + p + ", row " + row);
        }
    }

    /** The iMF xs shapes, exact where cheap, otherwise with the 8832 token dimension scaled to 552. */
    @Test void imfShapes() {
        Random r = new Random(3);
        List<Path> p = paths();
        check(GemmSpec.of(8832, 96, 96, false, false, 1f, 0f), r, p);      // x·W (exact)
        check(GemmSpec.of(552, 256, 96, false, false, 1f, 0f), r, p);      // x·W up-projection
        check(GemmSpec.of(552, 96, 256, false, false, 1f, 0f), r, p);      // x·W down-projection
        check(GemmSpec.of(96, 96, 1104, true, false, 1f, 1f), r, p);       // weight gradient, accumulated
        check(GemmSpec.of(96, 256, 1104, true, false, 1f, 0f), r, p);
        check(GemmSpec.of(256, 96, 1104, true, false, 1f, 0f), r, p);
        check(GemmSpec.of(552, 96, 256, false, true, 1f, 0f), r, p);       // input gradient dX = dY·Wᵀ
        check(GemmSpec.of(552, 256, 96, false, true, 1f, 0f), r, p);
        check(GemmSpec.batched(384, 69, 69, 32, false, true, 0.17677669f, 0f), r, p); // Q·Kᵀ (exact)
        check(GemmSpec.batched(384, 69, 32, 69, false, false, 1f, 0f), r, p);       // P·V (exact)
        check(GemmSpec.batched(3, 69, 32, 69, true, false, 1f, 0f), r, p);          // Pᵀ·dO
    }

    /** Small C over a long k: the k-split path (every transpose combination, beta 0 and accumulate). */
    @Test void longKSplitAcrossThreads() {
        Random r = new Random(5);
        List<Path> p = paths();
        check(GemmSpec.of(96, 96, 8832, true, false, 1f, 0f), r, p);       // xs weight gradient (exact)
        check(GemmSpec.of(24, 40, 1000, true, false, 1f, 1f), r, p);
        check(GemmSpec.of(24, 40, 1001, false, true, 0.5f, 0f), r, p);
        check(GemmSpec.of(17, 9, 777, false, false, 1f, 1f), r, p);
        check(GemmSpec.of(33, 5, 2049, true, true, 1f, 0f), r, p);
        check(GemmSpec.of(40, 24, 1000, true, false, 1f, 0f), r, p);
        check(GemmSpec.of(40, 260, 2100, true, false, 1f, 1f), r, p);      // wide C: split along k with the 4-row tile
    }

    /**
     * A small C over a long k that is wider than it is tall (n past the k-split's limit, m within it): with the
     * 8-row tile the transposed product is split along k and written back transposed, with alpha and beta.
     */
    @Test void longKWideCSplitTransposed() {
        Random r = new Random(23);
        List<Path> p = paths();
        check(GemmSpec.of(24, 200, 1700, true, false, 0.7f, 0.5f), r, p);
        check(GemmSpec.of(24, 200, 1700, false, true, 1f, 0f), r, p);
        check(GemmSpec.of(17, 230, 1900, false, false, 1f, 1f), r, p);
        check(GemmSpec.of(33, 199, 1800, true, true, 1f, 0f), r, p);
        // two items with offsets, strides and padded leading dimensions: each item's C written back in place
        check(new GemmSpec(2, 20, 210, 1800, true, false, 23, 211, 215, 3, 5, 7, 1800 * 23 + 4, 1800 * 211 + 2, 20 * 215 + 6, 1.5f, 0.5f), r, p);
        // the k-sum's tolerance above (~0.35 here) would hide a wrong beta: compare with the same product at beta 0
        betaAddsScaledC(GemmSpec.of(24, 200, 1700, true, false, 0.7f, 0.5f), r, p);
    }

    /** {@code C(beta) − C(beta = 0)} is {@code beta·C} to float rounding of the sums' size, on every path. */
    private static void betaAddsScaledC(GemmSpec s, Random r, List<Path> paths) {
        GemmSpec zero = new GemmSpec(s.batch(), s.m(), s.n(), s.k(), s.transA(), s.transB(), s.lda(), s.ldb(), s.ldc(),
                s.offA(), s.offB(), s.offC(), s.strideA(), s.strideB(), s.strideC(), s.alpha(), 0f);
        float[] a = random(r, (int) s.spanA()), b = random(r, (int) s.spanB()), c0 = random(r, (int) s.spanC());
        for (Path path : paths) {
            float[] with = c0.clone(), without = c0.clone();
            path.gemm().gemm(s, a, b, with);
            path.gemm().gemm(zero, a, b, without);
            for (int i = 0; i < c0.length; i++)
                assertEquals(s.beta() * c0[i], with[i] - without[i], 1e-5 * (Math.abs(without[i]) + 1), path.name() + " " + s + ": element " + i);
        }
    }

    /** Batches with offsets, strides and leading dimensions larger than the matrices; the gaps must stay untouched. */
    @Test void stridedBatchesWithPadding() {
        Random r = new Random(5);
        for (int t = 0; t < 12; t++) {
            int m = 1 + r.nextInt(40), n = 1 + r.nextInt(40), k = 1 + r.nextInt(40);
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            int lda = (ta ? m : k) + r.nextInt(5), ldb = (tb ? k : n) + r.nextInt(5), ldc = n + r.nextInt(5);
            int rowsA = ta ? k : m, rowsB = tb ? n : k;
            long offA = r.nextInt(9), offB = r.nextInt(9), offC = r.nextInt(9);
            long strideA = (long) rowsA * lda + r.nextInt(7), strideB = (long) rowsB * ldb + r.nextInt(7);
            long strideC = (long) m * ldc + r.nextInt(7);
            int batch = 1 + r.nextInt(6);
            float beta = t % 3 == 0 ? 0f : 0.5f;
            check(new GemmSpec(batch, m, n, k, ta, tb, lda, ldb, ldc, offA, offB, offC, strideA, strideB, strideC, 1.5f, beta), r, paths());
        }
    }

    /**
     * The native kernels are as accurate as float: per element within eight float roundings of the summed terms'
     * magnitude, {@code |c − ref| ≤ 2^-21·mag}, on depths short enough that AMX products of two bf16 parts (an error of
     * ~2^-17 of each term) would fail it. The Vector API path meets the same bound.
     */
    @Test void nativeKernelsAreAsAccurateAsFloat() {
        List<Path> paths = paths().stream().filter(p -> !p.name().startsWith("scalar")).toList();
        Assumptions.assumeTrue(paths.stream().anyMatch(CpuGemmTest::isNative), "no native GEMM on this machine: " + AmxLibrary.status() + ", " + Avx512Library.status());
        Random r = new Random(29);
        GemmSpec[] shapes = {GemmSpec.of(50, 130, 33, false, false, 1f, 0f), GemmSpec.of(70, 65, 64, true, false, 1f, 0.5f),
                GemmSpec.of(33, 47, 96, false, true, -0.7f, 0f), GemmSpec.of(40, 64, 64, true, true, 1f, 1f),
                GemmSpec.batched(3, 20, 90, 48, false, true, 1f, 0f), GemmSpec.of(552, 96, 96, false, true, 1f, 0f)};
        for (GemmSpec s : shapes) {
            assertTrue(NativeGemm.takes(s), s + " goes to the native kernel");
            float[] a = random(r, (int) s.spanA()), b = random(r, (int) s.spanB()), c0 = random(r, (int) s.spanC());
            double[] ref = new double[c0.length], mag = new double[c0.length];
            reference(s, a, b, c0, ref, mag);
            for (Path path : paths) {
                float[] c = c0.clone();
                path.gemm().gemm(s, a, b, c);
                for (int i = 0; i < c.length; i++)
                    if (!(Math.abs(c[i] - ref[i]) <= 0x1p-21 * mag[i]))
                        fail(path.name() + " " + s + ": c[" + i + "] = " + c[i] + ", reference " + ref[i] + ", error " + Math.abs(c[i] - ref[i]) / mag[i] + " of the terms' magnitude");
            }
        }
    }

    /**
     * A row's bits do not depend on how many rows the product has, nor on the threads (sample --batch gives the same
     * images at any batch): the first 7 rows of a 2000-row product equal a 7-row product's, on every SIMD and native path.
     */
    @Test void rowsDoNotDependOnTheRowCount() {
        Random r = new Random(31);
        int[][] nk = {{96, 96}, {16, 256}, {4, 16}, {16, 16}, {48, 16}, {64, 16}, {16, 64}, {96, 16}, {32, 16}, {8, 16}}; // a projection; a timestep embedding's first layer (a weight at an offset in B)
        for (int[] shape : nk)
            for (boolean transA : new boolean[] {false, true}) {
                int n = shape[0], k = shape[1], offB = 400;
                GemmSpec tall = new GemmSpec(1, 2000, n, k, transA, true, transA ? 2000 : k, k, n, 0, offB, 0, 0, 0, 0, 1f, 0f);
                GemmSpec shortOne = new GemmSpec(1, 7, n, k, transA, true, transA ? 7 : k, k, n, 0, offB, 0, 0, 0, 0, 1f, 0f);
                float[] a = random(r, (int) tall.spanA()), b = random(r, offB + (int) tall.spanB());
                float[] aShort = new float[(int) shortOne.spanA()];
                for (int i = 0; i < 7; i++)
                    for (int p = 0; p < k; p++) aShort[transA ? p * 7 + i : i * k + p] = a[transA ? p * 2000 + i : i * k + p];
                float[] first = null;
                for (Path path : paths()) {
                    if (path.name().startsWith("scalar")) continue;
                    float[] c = new float[(int) tall.spanC()], cShort = new float[(int) shortOne.spanC()];
                    path.gemm().gemm(tall, a, b, c);
                    path.gemm().gemm(shortOne, aShort, b, cShort);
                    String what = path.name() + ", " + n + "x" + k + ", transA " + transA;
                    assertArrayEquals(java.util.Arrays.copyOf(c, cShort.length), cShort, 0f, what);
                    if (isNative(path)) {
                        if (first == null) first = c;
                        else assertArrayEquals(first, c, 0f, what + " against the native kernel on 1 thread");
                    }
                }
            }
    }

    private static boolean isNative(Path p) { return p.name().startsWith("amx") || p.name().startsWith("avx512"); }

    /**
     * The AVX-512 library runs the Vector API tile's arithmetic with the same blocks: each sum over a depth block in order
     * from zero, times alpha, added to C (or to beta·C in the first block), so on one thread a product gives the same bits
     * on both (edge rows and columns, both transposes, offsets, one depth block and several), as the C file's comment
     * says. The library is used only where the Vector API tile is the 8-row one. A reordered sum, other blocks or a fused
     * edge merge fail it.
     */
    @Test void avx512KernelGivesTheVectorApiTilesBits() {
        Assumptions.assumeTrue(VectorSupport.present() && Avx512Library.get().isPresent() && AmxLibrary.get().isEmpty(),
                "no AVX-512 library in use here: " + Avx512Library.status());
        Random r = new Random(41);
        CpuGemm simd = new CpuGemm(POOL1, true, false), avx512 = new CpuGemm(POOL1, true, true);
        assertEquals(8, GemmSimd.MR, "the tile the C kernel copies");
        for (int k : new int[] {Math.min(96, GemmPacked.KC), 2 * GemmPacked.KC + 17})
            for (int variant = 0; variant < 4; variant++) {
                boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                for (int[] mn : new int[][] {{2208, 128}, {45, 130}, {64, 256}, {13, 110}}) {
                    int m = mn[0], n = mn[1], lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
                    for (float beta : new float[] {0f, 1f}) {
                        GemmSpec s = new GemmSpec(1, m, n, k, ta, tb, lda, ldb, ldc, 7, 3, 5, 0, 0, 0, 0.75f, beta);
                        assertTrue(NativeGemm.takes(s), s + " goes to the AVX-512 library");
                        float[] a = random(r, 7 + (int) s.spanA()), b = random(r, 3 + (int) s.spanB()), c0 = random(r, 5 + (int) s.spanC());
                        float[] expected = c0.clone(), actual = c0.clone();
                        simd.gemm(s, a, b, expected);
                        avx512.gemm(s, a, b, actual);
                        assertArrayEquals(expected, actual, 0f, s.toString());
                    }
                }
            }
    }

    /** beta = 0 must overwrite NaN garbage in C; alpha = 0 or k = 0 must not read A or B. */
    @Test void betaZeroIgnoresNaNAndAlphaZeroIgnoresInputs() {
        Random r = new Random(9);
        check(GemmSpec.of(37, 45, 19, false, false, 1f, 0f), r, paths()); // C is NaN-filled for beta = 0 in check()
        for (Path path : paths()) {
            CpuGemm g = path.gemm();
            float[] a = new float[6 * 5], b = new float[5 * 7], c = new float[6 * 7];
            java.util.Arrays.fill(a, Float.NaN);
            java.util.Arrays.fill(b, Float.NaN);
            java.util.Arrays.fill(c, 2f);
            g.gemm(GemmSpec.of(6, 7, 5, false, false, 0f, 0.5f), a, b, c);
            for (float v : c) assertEquals(1f, v, 0f);
            java.util.Arrays.fill(c, Float.NaN);
            g.gemm(GemmSpec.of(6, 7, 0, false, false, 1f, 0f), a, b, c);
            for (float v : c) assertEquals(0f, v, 0f);
        }
    }

    /** Runs {@code s} on every path from the same random inputs and compares with the float64 reference. */
    private static void check(GemmSpec s, Random r, List<Path> paths) {
        int aLen = extent(s.batch(), s.offA(), s.strideA(), s.transA() ? s.k() : s.m(), s.lda());
        int bLen = extent(s.batch(), s.offB(), s.strideB(), s.transB() ? s.n() : s.k(), s.ldb());
        int cLen = extent(s.batch(), s.offC(), s.strideC(), s.m(), s.ldc());
        float[] a = random(r, aLen), b = random(r, bLen), c0 = random(r, cLen);
        boolean[] inC = new boolean[cLen];
        for (int bi = 0; bi < s.batch(); bi++)
            for (int i = 0; i < s.m(); i++)
                for (int j = 0; j < s.n(); j++) {
                    int ci = (int) (s.offC() + bi * s.strideC()) + i * s.ldc() + j;
                    inC[ci] = true;
                    if (s.beta() == 0f) c0[ci] = Float.NaN;
                }
        double[] ref = new double[cLen], mag = new double[cLen];
        reference(s, a, b, c0, ref, mag);
        for (Path path : paths) {
            float[] c = c0.clone();
            path.gemm().gemm(s, a, b, c);
            double sk = Math.sqrt(s.k() + 1.0);
            for (int i = 0; i < cLen; i++) {
                if (!inC[i]) {
                    if (Float.floatToRawIntBits(c[i]) != Float.floatToRawIntBits(c0[i]))
                        fail(path.name() + " " + s + ": element " + i + " outside C was modified");
                    continue;
                }
                double tol = ATOL + RTOL * sk * mag[i];
                if (!(Math.abs(c[i] - ref[i]) <= tol))
                    fail(path.name() + " " + s + ": c[" + i + "] = " + c[i] + ", reference " + ref[i] + ", tolerance " + tol);
            }
        }
    }

    private static void reference(GemmSpec s, float[] a, float[] b, float[] c0, double[] ref, double[] mag) {
        for (int bi = 0; bi < s.batch(); bi++) {
            long oa = s.offA() + bi * s.strideA(), ob = s.offB() + bi * s.strideB(), oc = s.offC() + bi * s.strideC();
            for (int i = 0; i < s.m(); i++)
                for (int j = 0; j < s.n(); j++) {
                    double acc = 0, abs = 0;
                    for (int p = 0; p < s.k(); p++) {
                        double av = s.transA() ? a[(int) (oa + (long) p * s.lda() + i)] : a[(int) (oa + (long) i * s.lda() + p)];
                        double bv = s.transB() ? b[(int) (ob + (long) j * s.ldb() + p)] : b[(int) (ob + (long) p * s.ldb() + j)];
                        acc += av * bv;
                        abs += Math.abs(av * bv);
                    }
                    int ci = (int) (oc + (long) i * s.ldc() + j);
                    double cOld = s.beta() == 0f ? 0 : (double) s.beta() * c0[ci];
                    ref[ci] = s.alpha() * acc + cOld;
                    mag[ci] = Math.abs(s.alpha()) * abs + Math.abs(cOld);
                }
        }
    }

    private static int extent(int batch, long off, long stride, int rows, int ld) {
        return (int) (off + (batch - 1) * stride + (long) rows * ld);
    }

    private static float[] random(Random r, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }
}
