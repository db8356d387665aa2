package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API micro-kernels for {@link GemmPacked}: one {@code MR×NR} tile of
 * {@code C = alpha·Ap·Bp + beta·C} from packed panels, with the whole tile held in registers.
 *
 * <p>The tile is chosen at start-up for the register file. With 16-lane vectors (AVX-512, 32 zmm
 * registers) it is 8×32: 16 accumulators + 2 B vectors + broadcasts fit; on Intel 12×32 (24 accumulators),
 * whose k steps load fewer values per FMA ({@link #kernel12x2Packed}). With 8-lane vectors
 * (AVX2, 16 ymm registers) it is 4×16: the 8×16 tile needs 19 registers, C2 keeps 4 accumulators
 * in stack slots, and each k step then waits on a store-forwarded reload (≈11 cycles for 8 cycles
 * of FMAs). Measured on one Zen 3 core (kc = 256, panels in L1; docs/PERF.md "AVX2: the 4×16
 * tile"): 8×16 50–55 GFLOP/s, 6×16 40–42 (C2 still spills an accumulator), 4×16 81–94.
 *
 * <p>A is read at {@code a[ao + r·ars + p·aps]} for row {@code r}, step {@code p}: a packed
 * panel ({@code ars = 1, aps = MR}) or, for the 8-row kernels only, A in place ({@code ars = lda,
 * aps = 1}, or the transpose). With a constant stride C2 hoists every range check out of the k loop;
 * the checks' out-of-line traps otherwise cost registers (4×16 with variable strides: 74 GFLOP/s).
 * So the 4-row kernels read packed panels only, and a packed panel of the 8-row tile goes to
 * {@link #kernel8x2Packed}, a copy of {@link #kernel8x2} with the packed strides written in (1024³ up to
 * 1.2× faster on Zen 5); its epilogue is written out again for the reason below. B is always a packed panel:
 * {@code bp[bo + p·NR + j]} is {@code B(p, j)}. Each step {@code p} loads {@code NR/L} vectors of
 * B, broadcasts {@code MR} scalars of A and issues {@code MR·NR/L} FMAs in the same order whatever
 * the tile; only the later depth blocks round differently: the 4-row kernels add the products to C
 * as they go, the 8-row ones add their block's sum to C. {@code beta == 0} overwrites C
 * without reading it (C may hold NaN). The 8-row kernels' epilogue is
 * written out instead of calling a store helper: C2's node-count cutoff left half of 16 helper
 * calls un-inlined, boxing their vectors (measured ~3× slower on k = 32 tiles).
 * Keep the kernels this small: a version with masked edge stores inlined (2.9 KB of bytecode)
 * made C1 give up ("out of virtual registers"), and in some runs the method then stayed at a C1
 * tier without Vector API intrinsics, at ~1 GFLOP/s. Edge tiles therefore go through a tile buffer.
 * Loaded only when SIMD is on: this is the one GEMM class that touches {@code jdk.incubator.vector}.
 */
final class GemmSimd {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector (16 on AVX-512, 8 on AVX2). */
    static final int L = S.length();
    /** This machine's CPU maker, read once from {@code /proc/cpuinfo}: it picks the tile and how A is read. */
    private static final CpuVendor VENDOR = CpuVendor.detect();
    /**
     * Tile rows: 12 (Intel) or 8 with 32 vector registers, 4 with 16 (see the class comment). {@code -Dimf.gemm.rows=4},
     * {@code 8} or {@code 12} overrides the choice, to measure another tile on a machine.
     */
    static final int MR = tileRows();
    /** Tile columns: two vectors. */
    static final int NR = 2 * L;
    /**
     * Whether the 8-row kernels read A in place (strided) where a block has few column panels, instead of packing
     * it ({@link GemmPacked}): on AMD, not on Intel, where the two measured the other way round (docs/PERF.md,
     * "Intel Xeon: A packed and transposed in registers"). {@code -Dimf.gemm.a=packed} or {@code in-place} overrides
     * the choice.
     */
    static final boolean READS_A_IN_PLACE = MR == 8 && readsAInPlace(VENDOR, System.getProperty("imf.gemm.a"));

    /** Zeros to start a 4-row tile's sums from (read with row stride 0). */
    private static final float[] ZERO_ROW = new float[NR];

    private GemmSimd() {}

    private static int tileRows() { return tileRows(L, VENDOR, System.getProperty("imf.gemm.rows")); }

    /**
     * 4 rows with fewer than 16 lanes (16 registers); with 16 lanes (32 registers) 12 on Intel and 8 elsewhere, unless
     * {@code forced} says 4, 8 or (16 lanes only) 12.
     */
    static int tileRows(int lanes, CpuVendor vendor, String forced) {
        int byRegisters = lanes < 16 ? 4 : vendor == CpuVendor.INTEL ? 12 : 8;
        if (forced == null) return byRegisters;
        if (forced.equals("4") || forced.equals("8") || forced.equals("12") && lanes >= 16) return Integer.parseInt(forced);
        System.err.println("imf.gemm.rows=" + forced + " ignored (4, 8" + (lanes >= 16 ? " or 12" : "") + "); using " + byRegisters);
        return byRegisters;
    }

    /** In place on AMD (and unknown CPUs), packed on Intel, unless {@code forced} ({@code packed} or {@code in-place}) says. */
    static boolean readsAInPlace(CpuVendor vendor, String forced) {
        boolean byVendor = vendor != CpuVendor.INTEL;
        if (forced == null) return byVendor;
        if (forced.equals("packed") || forced.equals("in-place")) return forced.equals("in-place");
        System.err.println("imf.gemm.a=" + forced + " ignored (packed or in-place); using " + (byVendor ? "in-place" : "packed"));
        return byVendor;
    }

    /** The tile, for logs: e.g. {@code 4x16}. */
    static String tile() { return MR + "x" + NR; }

    /**
     * The full MR×NR tile. {@code MR} is a constant: C2 keeps only this machine's kernel. The 4-row
     * kernels know no {@code alpha}/{@code beta} and take no branch: with them in the kernel C2 spilled
     * an accumulator (26–29 instead of 87–95 GFLOP/s on Zen 3), and an "add to C?" flag halved the
     * speed at k = 96 when both ways were taken. Their sums start from zeros or from C (beta = 1, the
     * later depth blocks); other factors go through {@code tile} and {@link GemmPacked#mergeTile}, as
     * edge tiles do. With {@code alpha = 1, beta = 0} {@code tile} is not touched (it may be {@code c}).
     */
    static void full(int kc, float[] a, int ao, int ars, int aps, float[] bp, int bo,
                     float[] c, int co, int ldc, float alpha, float beta, float[] tile) {
        if (MR == 12) { // A always packed: READS_A_IN_PLACE is false
            if (alpha == 1f && beta == 0f) {
                kernel12x2Packed(kc, a, ao, bp, bo, c, co, ldc);
            } else {
                kernel12x2Packed(kc, a, ao, bp, bo, tile, 0, NR);
                mergeFullTile(tile, c, co, ldc, alpha, beta);
            }
        } else if (MR == 8) {
            if (ars == 1 && aps == MR) kernel8x2Packed(kc, a, ao, bp, bo, c, co, ldc, alpha, beta);
            else kernel8x2(kc, a, ao, ars, aps, bp, bo, c, co, ldc, alpha, beta);
        } else if (alpha == 1f && beta == 0f) {
            kernel4x2(kc, a, ao, bp, bo, ZERO_ROW, 0, 0, c, co, ldc);
        } else if (alpha == 1f && beta == 1f) {
            kernel4x2(kc, a, ao, bp, bo, c, co, ldc, c, co, ldc);
        } else {
            kernel4x2(kc, a, ao, bp, bo, ZERO_ROW, 0, 0, tile, 0, NR);
            GemmPacked.mergeTile(tile, c, co, ldc, MR, NR, alpha, beta);
        }
    }

    /**
     * {@code C = beta·C + alpha·tile} on a full MR×NR tile ({@code C} not read when beta is 0), rounded as the 8-row
     * kernels' epilogue rounds it: {@code (alpha·sum)} first, then {@code beta·C} added by one FMA.
     */
    private static void mergeFullTile(float[] tile, float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector va = FloatVector.broadcast(S, alpha), vb = FloatVector.broadcast(S, beta);
        for (int r = 0, t = 0, row = co; r < MR; r++, t += NR, row += ldc)
            for (int j = 0; j < NR; j += L) {
                FloatVector scaled = FloatVector.fromArray(S, tile, t + j).mul(va);
                if (beta == 0f) scaled.intoArray(c, row + j); // a store per branch: no vector phi (see RmsNormSimd)
                else FloatVector.fromArray(S, c, row + j).fma(vb, scaled).intoArray(c, row + j);
            }
    }

    /** Raw sums of the MR×L tile, for a last column panel with at most L live columns (Bp keeps its NR stride). */
    static void halfRaw(int kc, float[] a, int ao, int ars, int aps, float[] bp, int bo, float[] c, int co, int ldc) {
        if (MR == 12) kernel12x1Packed(kc, a, ao, bp, bo, c, co, ldc);
        else if (MR == 8) kernel8x1(kc, a, ao, ars, aps, bp, bo, c, co, ldc, 1f, 0f);
        else kernel4x1(kc, a, ao, bp, bo, c, co, ldc);
    }

    /** Copies a B panel row, {@code NR} floats, as two vectors (System.arraycopy of 16 floats was a third of the samples of a long-k Aᵀ·B). */
    static void copyRow(float[] src, int from, float[] dst, int to) {
        FloatVector.fromArray(S, src, from).intoArray(dst, to);
        FloatVector.fromArray(S, src, from + L).intoArray(dst, to + L);
    }

    /**
     * Copies one A panel row, {@code MR} floats, as one full vector of {@code L}: the {@code L − MR} floats
     * after it land in the next row's slot, which the next copy overwrites (the caller leaves {@code L}
     * floats of slack after its last panel). A vector of MR lanes would be a second species, and code
     * using two shapes of FloatVector shares type profiles that left C2 boxing vectors elsewhere: with a
     * 128-bit copy here, 4 of 7 xs benches ran {@code copyRow} boxed (514 MiB of heap per step); a scalar
     * copy made the weight gradients 5–10 % slower.
     */
    static void copyPanelRow(float[] src, int from, float[] dst, int to) {
        FloatVector.fromArray(S, src, from).intoArray(dst, to);
    }

    /**
     * Gathers of {@link #packPanelRows12}: four panel rows of 12 floats, each the first 12 lanes of a vector, as three
     * whole vectors: {@code JOIN12[j]} takes lanes from vectors {@code j} and {@code j + 1}. Null without 16 lanes.
     */
    private static final VectorShuffle<Float>[] JOIN12 = join12();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] join12() {
        if (L != 16) return null;
        VectorShuffle<Float>[] out = new VectorShuffle[3];
        for (int j = 0; j < 3; j++) {
            int[] lanes = new int[16];
            for (int i = 0; i < 16; i++) {
                int e = 16 * j + i, row = e / 12, lane = e % 12; // float e of the four rows is lane e%12 of row e/12
                lanes[i] = row == j ? lane : 16 + lane;          // row j or row j + 1
            }
            out[j] = VectorShuffle.fromArray(S, lanes, 0);
        }
        return out;
    }

    /**
     * Four rows of a 12-row panel from a transposed A ({@code ap[to + q·12 + r] = a[from + q·lda + r]}, q &lt; 4, r &lt;
     * 12): four loads and three whole stores by two-vector gathers ({@link #JOIN12}), where {@link #copyPanelRow} made
     * four stores, each overlapping the next (on Intel a 512×192 weight gradient over k = 13824 spent a fifth of its
     * time in that copy). Reads 16 floats from each row: the caller checks {@code a} has them. 16 lanes only.
     */
    static void packPanelRows12(float[] a, int from, int lda, float[] ap, int to) {
        FloatVector r0 = FloatVector.fromArray(S, a, from), r1 = FloatVector.fromArray(S, a, from + lda);
        FloatVector r2 = FloatVector.fromArray(S, a, from + 2 * lda), r3 = FloatVector.fromArray(S, a, from + 3 * lda);
        r0.rearrange(JOIN12[0], r1).intoArray(ap, to);
        r1.rearrange(JOIN12[1], r2).intoArray(ap, to + 16);
        r2.rearrange(JOIN12[2], r3).intoArray(ap, to + 32);
    }

    /**
     * {@code c[co + j] += parts[po + r·stride + j]} for {@code r = 0 … count−1} in that order, {@code j < n}: the
     * k-split's partial products added into C. The same sums in the same order as a scalar loop over r, but C
     * is loaded and stored once per vector (the scalar loop was a tenth of a 96×96 weight gradient's time).
     */
    static void addPartials(float[] c, int co, float[] parts, int po, int stride, int count, int n) {
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector sum = FloatVector.fromArray(S, c, co + j);
            for (int r = 0, o = po + j; r < count; r++, o += stride) sum = sum.add(FloatVector.fromArray(S, parts, o));
            sum.intoArray(c, co + j);
        }
        for (; j < n; j++) {
            float sum = c[co + j];
            for (int r = 0; r < count; r++) sum += parts[po + r * stride + j];
            c[co + j] = sum;
        }
    }

    /** Interleaving shuffles of {@link #packRows4} and {@link #packRows8}: pairs of rows, pairs of pairs, then (8 rows) pairs of quads. */
    private static final VectorShuffle<Float> ROWS_LO = interleave(1, 0), ROWS_HI = interleave(1, L / 2),
            PAIRS_LO = interleave(2, 0), PAIRS_HI = interleave(2, L / 2),
            QUADS_LO = interleave(4, 0), QUADS_HI = interleave(4, L / 2);

    /** Alternates groups of {@code g} lanes of two vectors, starting at lane {@code from} of each. */
    private static VectorShuffle<Float> interleave(int g, int from) {
        int[] lanes = new int[L];
        for (int i = 0; i < L; i++) {
            int group = i / g;
            lanes[i] = (group % 2 == 0 ? 0 : L) + from + group / 2 * g + i % g;
        }
        return VectorShuffle.fromArray(S, lanes, 0);
    }

    /**
     * Packs 4 rows of an untransposed A ({@code a[from + r·lda + p]}, p &lt; kc) as one 4-row panel
     * ({@code ap[to + p·4 + r]}): L columns at a time, transposed in registers by two rounds of
     * interleaving shuffles (twice as fast as the scalar walk, which was 6 % of the xs step).
     */
    static void packRows4(float[] a, int from, int lda, int kc, float[] ap, int to) {
        int p = 0;
        for (; p + L <= kc; p += L) {
            FloatVector r0 = FloatVector.fromArray(S, a, from + p), r1 = FloatVector.fromArray(S, a, from + lda + p);
            FloatVector r2 = FloatVector.fromArray(S, a, from + 2 * lda + p), r3 = FloatVector.fromArray(S, a, from + 3 * lda + p);
            FloatVector lo01 = r0.rearrange(ROWS_LO, r1), hi01 = r0.rearrange(ROWS_HI, r1);
            FloatVector lo23 = r2.rearrange(ROWS_LO, r3), hi23 = r2.rearrange(ROWS_HI, r3);
            int o = to + p * 4;
            lo01.rearrange(PAIRS_LO, lo23).intoArray(ap, o);
            lo01.rearrange(PAIRS_HI, lo23).intoArray(ap, o + L);
            hi01.rearrange(PAIRS_LO, hi23).intoArray(ap, o + 2 * L);
            hi01.rearrange(PAIRS_HI, hi23).intoArray(ap, o + 3 * L);
        }
        for (; p < kc; p++)
            for (int r = 0; r < 4; r++) ap[to + p * 4 + r] = a[from + r * lda + p];
    }

    /**
     * Packs 8 rows of an untransposed A as one 8-row panel ({@code ap[to + p·8 + r]}), as {@link #packRows4} does 4:
     * L columns at a time, three rounds of interleaving shuffles, each output vector two (L = 16) or one (L = 8)
     * of the panel's k steps, in order; needs {@code L ≥ 8}. Replaces the scalar walk where the GEMM packs A for the
     * 8-row tile (on AMD blocks wider than {@link GemmPacked#DIRECT_A_MAX_N}; anywhere with {@code -Dimf.gemm.a=packed}). Written out: a helper taking vectors could be left out of line and box them (the class
     * comment).
     */
    static void packRows8(float[] a, int from, int lda, int kc, float[] ap, int to) {
        int p = 0;
        for (; p + L <= kc; p += L) {
            int f = from + p;
            FloatVector r0 = FloatVector.fromArray(S, a, f), r1 = FloatVector.fromArray(S, a, f + lda);
            FloatVector r2 = FloatVector.fromArray(S, a, f + 2 * lda), r3 = FloatVector.fromArray(S, a, f + 3 * lda);
            FloatVector r4 = FloatVector.fromArray(S, a, f + 4 * lda), r5 = FloatVector.fromArray(S, a, f + 5 * lda);
            FloatVector r6 = FloatVector.fromArray(S, a, f + 6 * lda), r7 = FloatVector.fromArray(S, a, f + 7 * lda);
            // Round 1: rows in pairs; lo holds the block's first L/2 k steps, hi the rest.
            FloatVector lo01 = r0.rearrange(ROWS_LO, r1), hi01 = r0.rearrange(ROWS_HI, r1);
            FloatVector lo23 = r2.rearrange(ROWS_LO, r3), hi23 = r2.rearrange(ROWS_HI, r3);
            FloatVector lo45 = r4.rearrange(ROWS_LO, r5), hi45 = r4.rearrange(ROWS_HI, r5);
            FloatVector lo67 = r6.rearrange(ROWS_LO, r7), hi67 = r6.rearrange(ROWS_HI, r7);
            // Round 2: rows 0-3 and 4-7 in quads, each a quarter of the block's k steps.
            FloatVector q0 = lo01.rearrange(PAIRS_LO, lo23), q1 = lo01.rearrange(PAIRS_HI, lo23);
            FloatVector q2 = hi01.rearrange(PAIRS_LO, hi23), q3 = hi01.rearrange(PAIRS_HI, hi23);
            FloatVector u0 = lo45.rearrange(PAIRS_LO, lo67), u1 = lo45.rearrange(PAIRS_HI, lo67);
            FloatVector u2 = hi45.rearrange(PAIRS_LO, hi67), u3 = hi45.rearrange(PAIRS_HI, hi67);
            // Round 3: the two quads of each k step side by side: whole panel rows.
            int o = to + p * 8;
            q0.rearrange(QUADS_LO, u0).intoArray(ap, o);
            q0.rearrange(QUADS_HI, u0).intoArray(ap, o + L);
            q1.rearrange(QUADS_LO, u1).intoArray(ap, o + 2 * L);
            q1.rearrange(QUADS_HI, u1).intoArray(ap, o + 3 * L);
            q2.rearrange(QUADS_LO, u2).intoArray(ap, o + 4 * L);
            q2.rearrange(QUADS_HI, u2).intoArray(ap, o + 5 * L);
            q3.rearrange(QUADS_LO, u3).intoArray(ap, o + 6 * L);
            q3.rearrange(QUADS_HI, u3).intoArray(ap, o + 7 * L);
        }
        for (; p < kc; p++)
            for (int r = 0; r < 8; r++) ap[to + p * 8 + r] = a[from + r * lda + p];
    }

    /**
     * Gathers of {@link #packRows12}: output vector {@code j} of a group of four k steps takes lanes 0–3 and 12–15 from
     * a first 4-row block and lanes 4–7 from a second ({@code TWELVE_FIRST[j]}), then lanes 8–11 from a third
     * ({@code TWELVE_THIRD[j]}). Null without 16 lanes (the 12-row tile needs them).
     */
    private static final VectorShuffle<Float>[] TWELVE_FIRST = twelveShuffles(true), TWELVE_THIRD = twelveShuffles(false);

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] twelveShuffles(boolean first) {
        if (L != 16) return null;
        // panel floats 16j .. 16j+15 of four k steps: which 4-row block (0, 1, 2) and which of its lanes each comes from
        VectorShuffle<Float>[] out = new VectorShuffle[3];
        for (int j = 0; j < 3; j++) {
            int[] lanes = new int[16];
            for (int i = 0; i < 16; i++) {
                int e = 16 * j + i, step = e / 12, block = e % 12 / 4, lane = 4 * step + e % 4; // float e is row e%12 of step e/12
                int source = (block - j + 3) % 3; // 0: the first block of output j, 1: the second, 2: the third
                lanes[i] = first ? (source == 1 ? 16 + lane : source == 0 ? lane : i) : (source == 2 ? 16 + lane : i);
            }
            out[j] = VectorShuffle.fromArray(S, lanes, 0);
        }
        return out;
    }

    /**
     * Packs 12 rows of an untransposed A as one 12-row panel ({@code ap[to + p·12 + r]}), 16 columns at a time (16
     * lanes only): each quad of rows is transposed as {@link #packRows4} does, into four blocks of four k steps × four
     * rows; the three quads' blocks of the same four k steps then make three whole vectors of the panel, each by two
     * gathers ({@link #TWELVE_FIRST}, {@link #TWELVE_THIRD}). 48 shuffles and 12 aligned stores per 16 columns; a 16×16
     * {@link Transpose16} per 16 columns, stored 12 floats apart, took 1.8× the 8-row packing's time per float.
     */
    static void packRows12(float[] a, int from, int lda, int kc, float[] ap, int to) {
        int p = 0;
        if (L == 16) {
            VectorShuffle<Float> f0 = TWELVE_FIRST[0], f1 = TWELVE_FIRST[1], f2 = TWELVE_FIRST[2];
            VectorShuffle<Float> t0 = TWELVE_THIRD[0], t1 = TWELVE_THIRD[1], t2 = TWELVE_THIRD[2];
            for (; p + 16 <= kc; p += 16) {
                int f = from + p;
                FloatVector r0 = FloatVector.fromArray(S, a, f), r1 = FloatVector.fromArray(S, a, f + lda);
                FloatVector r2 = FloatVector.fromArray(S, a, f + 2 * lda), r3 = FloatVector.fromArray(S, a, f + 3 * lda);
                FloatVector lo = r0.rearrange(ROWS_LO, r1), hi = r0.rearrange(ROWS_HI, r1);
                FloatVector lo2 = r2.rearrange(ROWS_LO, r3), hi2 = r2.rearrange(ROWS_HI, r3);
                FloatVector a0 = lo.rearrange(PAIRS_LO, lo2), a1 = lo.rearrange(PAIRS_HI, lo2), a2 = hi.rearrange(PAIRS_LO, hi2), a3 = hi.rearrange(PAIRS_HI, hi2);
                r0 = FloatVector.fromArray(S, a, f + 4 * lda); r1 = FloatVector.fromArray(S, a, f + 5 * lda);
                r2 = FloatVector.fromArray(S, a, f + 6 * lda); r3 = FloatVector.fromArray(S, a, f + 7 * lda);
                lo = r0.rearrange(ROWS_LO, r1); hi = r0.rearrange(ROWS_HI, r1);
                lo2 = r2.rearrange(ROWS_LO, r3); hi2 = r2.rearrange(ROWS_HI, r3);
                FloatVector b0 = lo.rearrange(PAIRS_LO, lo2), b1 = lo.rearrange(PAIRS_HI, lo2), b2 = hi.rearrange(PAIRS_LO, hi2), b3 = hi.rearrange(PAIRS_HI, hi2);
                r0 = FloatVector.fromArray(S, a, f + 8 * lda); r1 = FloatVector.fromArray(S, a, f + 9 * lda);
                r2 = FloatVector.fromArray(S, a, f + 10 * lda); r3 = FloatVector.fromArray(S, a, f + 11 * lda);
                lo = r0.rearrange(ROWS_LO, r1); hi = r0.rearrange(ROWS_HI, r1);
                lo2 = r2.rearrange(ROWS_LO, r3); hi2 = r2.rearrange(ROWS_HI, r3);
                FloatVector c0 = lo.rearrange(PAIRS_LO, lo2), c1 = lo.rearrange(PAIRS_HI, lo2), c2 = hi.rearrange(PAIRS_LO, hi2), c3 = hi.rearrange(PAIRS_HI, hi2);
                // four k steps per group: rows 0-3 from a, 4-7 from b, 8-11 from c
                int o = to + p * 12;
                a0.rearrange(f0, b0).rearrange(t0, c0).intoArray(ap, o);
                b0.rearrange(f1, c0).rearrange(t1, a0).intoArray(ap, o + 16);
                c0.rearrange(f2, a0).rearrange(t2, b0).intoArray(ap, o + 32);
                a1.rearrange(f0, b1).rearrange(t0, c1).intoArray(ap, o + 48);
                b1.rearrange(f1, c1).rearrange(t1, a1).intoArray(ap, o + 64);
                c1.rearrange(f2, a1).rearrange(t2, b1).intoArray(ap, o + 80);
                a2.rearrange(f0, b2).rearrange(t0, c2).intoArray(ap, o + 96);
                b2.rearrange(f1, c2).rearrange(t1, a2).intoArray(ap, o + 112);
                c2.rearrange(f2, a2).rearrange(t2, b2).intoArray(ap, o + 128);
                a3.rearrange(f0, b3).rearrange(t0, c3).intoArray(ap, o + 144);
                b3.rearrange(f1, c3).rearrange(t1, a3).intoArray(ap, o + 160);
                c3.rearrange(f2, a3).rearrange(t2, b3).intoArray(ap, o + 176);
            }
        }
        for (; p < kc; p++)
            for (int r = 0; r < 12; r++) ap[to + p * 12 + r] = a[from + r * lda + p];
    }

    /** Full 8×NR tile, both vectors of each row stored. */
    static void kernel8x2(int kc, float[] a, int ao, int ars, int aps, float[] bp, int bo,
                          float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars, a6 = 6 * ars, a7 = 7 * ars;
        for (int p = 0; p < kc; p++, ao += aps, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[ao]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ao + a1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ao + a2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ao + a3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ao + a4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ao + a5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ao + a6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ao + a7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(va).intoArray(c, co); c01.mul(va).intoArray(c, co + L);
            c10.mul(va).intoArray(c, co + ldc); c11.mul(va).intoArray(c, co + ldc + L);
            c20.mul(va).intoArray(c, co + 2 * ldc); c21.mul(va).intoArray(c, co + 2 * ldc + L);
            c30.mul(va).intoArray(c, co + 3 * ldc); c31.mul(va).intoArray(c, co + 3 * ldc + L);
            c40.mul(va).intoArray(c, co + 4 * ldc); c41.mul(va).intoArray(c, co + 4 * ldc + L);
            c50.mul(va).intoArray(c, co + 5 * ldc); c51.mul(va).intoArray(c, co + 5 * ldc + L);
            c60.mul(va).intoArray(c, co + 6 * ldc); c61.mul(va).intoArray(c, co + 6 * ldc + L);
            c70.mul(va).intoArray(c, co + 7 * ldc); c71.mul(va).intoArray(c, co + 7 * ldc + L);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, co).fma(vb, c00.mul(va)).intoArray(c, co);
            FloatVector.fromArray(S, c, co + L).fma(vb, c01.mul(va)).intoArray(c, co + L);
            FloatVector.fromArray(S, c, co + ldc).fma(vb, c10.mul(va)).intoArray(c, co + ldc);
            FloatVector.fromArray(S, c, co + ldc + L).fma(vb, c11.mul(va)).intoArray(c, co + ldc + L);
            FloatVector.fromArray(S, c, co + 2 * ldc).fma(vb, c20.mul(va)).intoArray(c, co + 2 * ldc);
            FloatVector.fromArray(S, c, co + 2 * ldc + L).fma(vb, c21.mul(va)).intoArray(c, co + 2 * ldc + L);
            FloatVector.fromArray(S, c, co + 3 * ldc).fma(vb, c30.mul(va)).intoArray(c, co + 3 * ldc);
            FloatVector.fromArray(S, c, co + 3 * ldc + L).fma(vb, c31.mul(va)).intoArray(c, co + 3 * ldc + L);
            FloatVector.fromArray(S, c, co + 4 * ldc).fma(vb, c40.mul(va)).intoArray(c, co + 4 * ldc);
            FloatVector.fromArray(S, c, co + 4 * ldc + L).fma(vb, c41.mul(va)).intoArray(c, co + 4 * ldc + L);
            FloatVector.fromArray(S, c, co + 5 * ldc).fma(vb, c50.mul(va)).intoArray(c, co + 5 * ldc);
            FloatVector.fromArray(S, c, co + 5 * ldc + L).fma(vb, c51.mul(va)).intoArray(c, co + 5 * ldc + L);
            FloatVector.fromArray(S, c, co + 6 * ldc).fma(vb, c60.mul(va)).intoArray(c, co + 6 * ldc);
            FloatVector.fromArray(S, c, co + 6 * ldc + L).fma(vb, c61.mul(va)).intoArray(c, co + 6 * ldc + L);
            FloatVector.fromArray(S, c, co + 7 * ldc).fma(vb, c70.mul(va)).intoArray(c, co + 7 * ldc);
            FloatVector.fromArray(S, c, co + 7 * ldc + L).fma(vb, c71.mul(va)).intoArray(c, co + 7 * ldc + L);
        }
    }

    /** {@link #kernel8x2} on a packed A panel: its constant strides let C2 check A's range once per call. */
    static void kernel8x2Packed(int kc, float[] a, int ao, float[] bp, int bo, float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * 8, bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(va).intoArray(c, co); c01.mul(va).intoArray(c, co + L);
            c10.mul(va).intoArray(c, co + ldc); c11.mul(va).intoArray(c, co + ldc + L);
            c20.mul(va).intoArray(c, co + 2 * ldc); c21.mul(va).intoArray(c, co + 2 * ldc + L);
            c30.mul(va).intoArray(c, co + 3 * ldc); c31.mul(va).intoArray(c, co + 3 * ldc + L);
            c40.mul(va).intoArray(c, co + 4 * ldc); c41.mul(va).intoArray(c, co + 4 * ldc + L);
            c50.mul(va).intoArray(c, co + 5 * ldc); c51.mul(va).intoArray(c, co + 5 * ldc + L);
            c60.mul(va).intoArray(c, co + 6 * ldc); c61.mul(va).intoArray(c, co + 6 * ldc + L);
            c70.mul(va).intoArray(c, co + 7 * ldc); c71.mul(va).intoArray(c, co + 7 * ldc + L);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, co).fma(vb, c00.mul(va)).intoArray(c, co);
            FloatVector.fromArray(S, c, co + L).fma(vb, c01.mul(va)).intoArray(c, co + L);
            FloatVector.fromArray(S, c, co + ldc).fma(vb, c10.mul(va)).intoArray(c, co + ldc);
            FloatVector.fromArray(S, c, co + ldc + L).fma(vb, c11.mul(va)).intoArray(c, co + ldc + L);
            FloatVector.fromArray(S, c, co + 2 * ldc).fma(vb, c20.mul(va)).intoArray(c, co + 2 * ldc);
            FloatVector.fromArray(S, c, co + 2 * ldc + L).fma(vb, c21.mul(va)).intoArray(c, co + 2 * ldc + L);
            FloatVector.fromArray(S, c, co + 3 * ldc).fma(vb, c30.mul(va)).intoArray(c, co + 3 * ldc);
            FloatVector.fromArray(S, c, co + 3 * ldc + L).fma(vb, c31.mul(va)).intoArray(c, co + 3 * ldc + L);
            FloatVector.fromArray(S, c, co + 4 * ldc).fma(vb, c40.mul(va)).intoArray(c, co + 4 * ldc);
            FloatVector.fromArray(S, c, co + 4 * ldc + L).fma(vb, c41.mul(va)).intoArray(c, co + 4 * ldc + L);
            FloatVector.fromArray(S, c, co + 5 * ldc).fma(vb, c50.mul(va)).intoArray(c, co + 5 * ldc);
            FloatVector.fromArray(S, c, co + 5 * ldc + L).fma(vb, c51.mul(va)).intoArray(c, co + 5 * ldc + L);
            FloatVector.fromArray(S, c, co + 6 * ldc).fma(vb, c60.mul(va)).intoArray(c, co + 6 * ldc);
            FloatVector.fromArray(S, c, co + 6 * ldc + L).fma(vb, c61.mul(va)).intoArray(c, co + 6 * ldc + L);
            FloatVector.fromArray(S, c, co + 7 * ldc).fma(vb, c70.mul(va)).intoArray(c, co + 7 * ldc);
            FloatVector.fromArray(S, c, co + 7 * ldc + L).fma(vb, c71.mul(va)).intoArray(c, co + 7 * ldc + L);
        }
    }

    /**
     * Raw sums of the 12×NR tile on a packed A panel (stride 12), for Intel's AVX-512 cores, where the 8-row kernels stop
     * at about three quarters of the FMA peak: 24 accumulators, 2 B vectors and a broadcast fill 27 of the 32
     * registers, and a k step loads 14 values for 24 FMAs instead of 10 for 16 (docs/PERF.md, "Intel Xeon: the 12-row
     * tile"). No alpha or beta: with the 8-row kernels' epilogue (both ways taken) C2 spilled 13 of the 24
     * accumulators in the k loop, at half the speed; {@link #full} merges other factors through the tile buffer.
     * Each sum runs over k in the same order as in the 8-row kernels, so the bits are theirs.
     */
    static void kernel12x2Packed(int kc, float[] a, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S), c81 = FloatVector.zero(S);
        FloatVector c90 = FloatVector.zero(S), c91 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S), c101 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S), c111 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * 12, bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(S, a[ai + 8]); c80 = x.fma(b0, c80); c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(S, a[ai + 9]); c90 = x.fma(b0, c90); c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(S, a[ai + 10]); c100 = x.fma(b0, c100); c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(S, a[ai + 11]); c110 = x.fma(b0, c110); c111 = x.fma(b1, c111);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L);
        c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + L);
        c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + L);
        c80.intoArray(c, co + 8 * ldc); c81.intoArray(c, co + 8 * ldc + L);
        c90.intoArray(c, co + 9 * ldc); c91.intoArray(c, co + 9 * ldc + L);
        c100.intoArray(c, co + 10 * ldc); c101.intoArray(c, co + 10 * ldc + L);
        c110.intoArray(c, co + 11 * ldc); c111.intoArray(c, co + 11 * ldc + L);
    }

    /** 12×L tile on a packed A panel, raw sums: for the last column panel when at most {@code L} of its columns are live. */
    static void kernel12x1Packed(int kc, float[] a, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c70 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S), c90 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S), c110 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * 12;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo + p * NR);
            c00 = FloatVector.broadcast(S, a[ai]).fma(b0, c00);
            c10 = FloatVector.broadcast(S, a[ai + 1]).fma(b0, c10);
            c20 = FloatVector.broadcast(S, a[ai + 2]).fma(b0, c20);
            c30 = FloatVector.broadcast(S, a[ai + 3]).fma(b0, c30);
            c40 = FloatVector.broadcast(S, a[ai + 4]).fma(b0, c40);
            c50 = FloatVector.broadcast(S, a[ai + 5]).fma(b0, c50);
            c60 = FloatVector.broadcast(S, a[ai + 6]).fma(b0, c60);
            c70 = FloatVector.broadcast(S, a[ai + 7]).fma(b0, c70);
            c80 = FloatVector.broadcast(S, a[ai + 8]).fma(b0, c80);
            c90 = FloatVector.broadcast(S, a[ai + 9]).fma(b0, c90);
            c100 = FloatVector.broadcast(S, a[ai + 10]).fma(b0, c100);
            c110 = FloatVector.broadcast(S, a[ai + 11]).fma(b0, c110);
        }
        c00.intoArray(c, co);
        c10.intoArray(c, co + ldc);
        c20.intoArray(c, co + 2 * ldc);
        c30.intoArray(c, co + 3 * ldc);
        c40.intoArray(c, co + 4 * ldc);
        c50.intoArray(c, co + 5 * ldc);
        c60.intoArray(c, co + 6 * ldc);
        c70.intoArray(c, co + 7 * ldc);
        c80.intoArray(c, co + 8 * ldc);
        c90.intoArray(c, co + 9 * ldc);
        c100.intoArray(c, co + 10 * ldc);
        c110.intoArray(c, co + 11 * ldc);
    }

    /** 8×L tile: for the last column panel when at most {@code L} of its columns are live. Bp keeps its NR stride. */
    static void kernel8x1(int kc, float[] a, int ao, int ars, int aps, float[] bp, int bo,
                          float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars, a6 = 6 * ars, a7 = 7 * ars;
        for (int p = 0; p < kc; p++, ao += aps, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector x = FloatVector.broadcast(S, a[ao]); c00 = x.fma(b0, c00);
            x = FloatVector.broadcast(S, a[ao + a1]); c10 = x.fma(b0, c10);
            x = FloatVector.broadcast(S, a[ao + a2]); c20 = x.fma(b0, c20);
            x = FloatVector.broadcast(S, a[ao + a3]); c30 = x.fma(b0, c30);
            x = FloatVector.broadcast(S, a[ao + a4]); c40 = x.fma(b0, c40);
            x = FloatVector.broadcast(S, a[ao + a5]); c50 = x.fma(b0, c50);
            x = FloatVector.broadcast(S, a[ao + a6]); c60 = x.fma(b0, c60);
            x = FloatVector.broadcast(S, a[ao + a7]); c70 = x.fma(b0, c70);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(va).intoArray(c, co);
            c10.mul(va).intoArray(c, co + ldc);
            c20.mul(va).intoArray(c, co + 2 * ldc);
            c30.mul(va).intoArray(c, co + 3 * ldc);
            c40.mul(va).intoArray(c, co + 4 * ldc);
            c50.mul(va).intoArray(c, co + 5 * ldc);
            c60.mul(va).intoArray(c, co + 6 * ldc);
            c70.mul(va).intoArray(c, co + 7 * ldc);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, co).fma(vb, c00.mul(va)).intoArray(c, co);
            FloatVector.fromArray(S, c, co + ldc).fma(vb, c10.mul(va)).intoArray(c, co + ldc);
            FloatVector.fromArray(S, c, co + 2 * ldc).fma(vb, c20.mul(va)).intoArray(c, co + 2 * ldc);
            FloatVector.fromArray(S, c, co + 3 * ldc).fma(vb, c30.mul(va)).intoArray(c, co + 3 * ldc);
            FloatVector.fromArray(S, c, co + 4 * ldc).fma(vb, c40.mul(va)).intoArray(c, co + 4 * ldc);
            FloatVector.fromArray(S, c, co + 5 * ldc).fma(vb, c50.mul(va)).intoArray(c, co + 5 * ldc);
            FloatVector.fromArray(S, c, co + 6 * ldc).fma(vb, c60.mul(va)).intoArray(c, co + 6 * ldc);
            FloatVector.fromArray(S, c, co + 7 * ldc).fma(vb, c70.mul(va)).intoArray(c, co + 7 * ldc);
        }
    }

    /**
     * Full 4×NR tile from a packed A panel (stride 4): {@code C = S + sums}, where {@code S} is read at
     * {@code s[so + r·sld + j]} (C itself to add, or {@code ZERO_ROW} with {@code sld = 0}).
     */
    static void kernel4x2(int kc, float[] ap, int ao, float[] bp, int bo, float[] s, int so, int sld,
                          float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, s, so), c01 = FloatVector.fromArray(S, s, so + L);
        FloatVector c10 = FloatVector.fromArray(S, s, so + sld), c11 = FloatVector.fromArray(S, s, so + sld + L);
        FloatVector c20 = FloatVector.fromArray(S, s, so + 2 * sld), c21 = FloatVector.fromArray(S, s, so + 2 * sld + L);
        FloatVector c30 = FloatVector.fromArray(S, s, so + 3 * sld), c31 = FloatVector.fromArray(S, s, so + 3 * sld + L);
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * 4, bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
    }

    /** 4×L tile from a packed A panel, raw sums: for the last column panel when at most {@code L} of its columns are live. */
    static void kernel4x1(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c30 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * 4;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo + p * NR);
            c00 = FloatVector.broadcast(S, ap[ai]).fma(b0, c00);
            c10 = FloatVector.broadcast(S, ap[ai + 1]).fma(b0, c10);
            c20 = FloatVector.broadcast(S, ap[ai + 2]).fma(b0, c20);
            c30 = FloatVector.broadcast(S, ap[ai + 3]).fma(b0, c30);
        }
        c00.intoArray(c, co);
        c10.intoArray(c, co + ldc);
        c20.intoArray(c, co + 2 * ldc);
        c30.intoArray(c, co + 3 * ldc);
    }
}
