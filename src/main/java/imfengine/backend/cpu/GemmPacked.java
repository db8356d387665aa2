package imfengine.backend.cpu;

import imfengine.backend.GemmSpec;

/**
 * The fast GEMM: GotoBLAS/BLIS blocking around the {@link GemmSimd} micro-kernels.
 *
 * <pre>
 * for jc in n step NC                       B block  KC×NC  (packed, stays in L2/L3)
 *   for pc in k step KC                     pack B(pc:pc+KC, jc:jc+NC) into NR-wide panels
 *     for ic in m step MC                   pack A(ic:ic+MC, pc:pc+KC) into MR-tall panels (L2)
 *       for jr in NC step NR                one B panel KC×NR (L1) is reused by ...
 *         for ir in MC step MR              ... every A panel: micro-kernel on an MR×NR tile of C
 * </pre>
 *
 * Transposed operands only change how panels are packed. Edge panels are zero-padded to MR / NR;
 * their tiles go through a small tile buffer and are merged into C with scalar code, so any m, n,
 * k works. The first KC step applies {@code beta} (never reading C when it is 0), later ones add.
 * Pack buffers are per thread and grow on demand, so steady-state calls allocate nothing.
 *
 * <p>Work is split into chunks of whole matrices when the batch is large, else into MR-row (or
 * NR-column) chunks of C; threads claim chunks dynamically and run this serial blocked loop on each.
 * Short row chunks share one packed B instead (the threads pack each KC×NC block together, then run
 * the loop from {@code ic} down) or, where the kernels read A in place, become column chunks; a small C
 * over a long k is split along k.
 */
final class GemmPacked {
    static final int MR = GemmSimd.MR, NR = GemmSimd.NR, L = GemmSimd.L;
    /*
     * Block sizes, from this machine's caches (GemmBlocking: a KC×NR panel of B fills L1d, an MC×KC block
     * of A half of L2; NC fixed). With 8-lane vectors and 32 KiB / 512 KiB (Zen 3) that is KC 512, MC 128:
     * the 4×16 tile ran 13824×192 over k = 512 1.16–1.35× and 1024³ 1.08–1.17× faster than with KC 256
     * (fewer passes over a large C), the kernel on L1-resident panels at the same speed, the long-k
     * weight gradients unchanged (0.97–1.04). With 16-lane vectors and Zen 4's 32 KiB it is KC 256, where a
     * sweep of KC 128..512 × MC 64..256 with the 8×32 tile was flat within ~5 % (docs/PERF.md). Every iMF
     * product with k ≤ KC runs in one depth block (C written once).
     */
    static final GemmBlocking BLOCKING = GemmBlocking.chosen(MR, NR);
    static final int KC = BLOCKING.kc();
    static final int MC = BLOCKING.mc();
    static final int NC = BLOCKING.nc();
    /** Depth blocks of a product split along k (see {@link GemmBlocking#forCaches}). */
    static final int KC_SPLIT_K = BLOCKING.kcSplitK();
    /** Blocks at most this wide read A in place instead of packing it (where the kernels can). */
    static final int DIRECT_A_MAX_N = 8 * NR;
    /** Dynamic scheduling: up to this many chunks per thread ... */
    private static final int CHUNKS_PER_THREAD = 4;
    /** ... each of at least this many MR-row or NR-column units. */
    private static final int MIN_UNITS_PER_CHUNK = 8;
    /** Guided ranges of a split matrix end at about 2M multiply-adds (~30 µs of a core). */
    private static final long GUIDED_MIN_MACS = 1L << 21;
    /**
     * Split k across threads when k is at least this many times the larger side of C and, where the
     * kernels read A in place (8-row tile), C has at most {@code K_SPLIT_MAX_N} columns. Measured (bench
     * --what gemm, 2 threads): 96×96, 192×192 and 512×192 over k = 8832 / 13824 gain 6–50 %; with the
     * 8-row tile, n = 256 or 512 stayed faster split along n (A read in place) than split along k, and
     * faster still as the transposed product when m ≤ {@code K_SPLIT_MAX_N} ({@link #splitKTransposed}).
     * The 4-row tile packs A, and column chunks would each pack all of it: 192×512 over k = 13696 gains
     * ~25 % split along k.
     */
    private static final int K_SPLIT_RATIO = 8, K_SPLIT_MAX_N = 192;
    /** The k-split's partial products kept per calling thread: at most this many floats (16 MiB) beyond a thread's share. */
    private static final int K_SPLIT_MAX_PARTIALS = 1 << 22;
    /**
     * Row chunks shorter than this many rows are short (packing a block of B costs each chunk roughly what
     * 15 rows of its product do: 15 % at 128 rows, 1024³ on 8 chunks, ~1 % for the iMF activations' 1100
     * rows) when a KC×NC block of B serves at least {@code SHARED_B_MIN_MACS} multiply-adds (about 0.1 ms of
     * both cores). Such products share one packed B where A is packed (4-row tile); where the kernels read A
     * in place, a B wider than {@link #DIRECT_A_MAX_N} is split into column chunks instead and a narrower one
     * (cheap to pack again) into guided row ranges: 2484×96×96 (a guidance batch) 1.12× and 2484×256×96
     * 1.05× faster than sharing B (Zen 5, 11 rounds); with the 4-row tile both ran 0.95–1.05×.
     */
    private static final int SHARED_B_MAX_ROWS = 512;
    private static final long SHARED_B_MIN_MACS = 1L << 23;
    /** The shortest row range of {@link #splitRowsSharingB}, in MR-row units: each range reads every B panel once. */
    private static final int SHARED_B_MIN_UNITS = 2;
    /** B blocks of at least this many floats are packed by all threads, smaller ones by the caller. */
    private static final long PARALLEL_PACK_MIN = 1L << 16;
    /**
     * Column panels of an untransposed B packed together, row by row: 16 (a 1 KB run of each row) beat 4
     * by 1.02–1.30× on the long-k weight gradients and 1024³ (gemm-ab, two runs of 11 rounds).
     */
    private static final int PACK_B_GROUP = 16;
    /** The k-split's partial products are added into C by both threads in row ranges of at least this many partial floats. */
    static final int REDUCE_MIN_FLOATS = 1 << 14;
    /** Below this many multiply-adds per call the work runs on the calling thread. */
    private static final long SERIAL_MACS = 1L << 15;

    /** Per-thread pack buffers, the B block this thread's calls share with the pool, the k-split's partial products, and the edge-tile buffer. */
    private static final class Buffers {
        float[] a = new float[0], b = new float[0], sharedB = new float[0], partials = new float[0], transposed = new float[0];
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private GemmPacked() {}

    static void gemm(WorkerPool pool, GemmSpec s, float[] a, float[] b, float[] c) {
        int m = s.m(), n = s.n(), t = pool.threads();
        long macs = (long) m * n * s.k();
        if (s.batch() == 1 || macs * s.batch() < SERIAL_MACS) {
            for (int bi = 0; bi < s.batch(); bi++) splitOne(pool, s, a, b, c, bi, macs * s.batch() < SERIAL_MACS);
            return;
        }
        // Many matrices: whole matrices per chunk when that gives every thread enough of them.
        if (s.batch() >= 2 * t || macs < (1L << 20)) {
            int batch = s.batch(), chunks = Math.min(batch, CHUNKS_PER_THREAD * t);
            pool.parallelForClaimed(batch, chunks, (b0, b1) -> {
                Buffers buf = BUFFERS.get();
                for (int bi = b0; bi < b1; bi++) block(s, a, b, c, bi, 0, m, 0, n, KC, buf);
            });
        } else {
            for (int bi = 0; bi < s.batch(); bi++) splitOne(pool, s, a, b, c, bi, false);
        }
    }

    /**
     * {@code C_i = alpha·op(A)·op(B_i) + beta·C_i} for products that share A (only those {@link #sharesA} takes), A
     * packed once per block for all of them: the q, k, v projections of one input, or SwiGLU's two. Each C_i gets the
     * bits of its own {@link #gemm}: the same panels, kernels and order. Rows are split across threads as
     * {@link #splitOne} splits a tall C; each range packs every B_i.
     */
    static void gemmSharedA(WorkerPool pool, GemmSpec[] s, float[] a, float[][] b, float[][] c) {
        GemmSpec s0 = s[0];
        int m = s0.m(), k = s0.k(), t = pool.threads(), mUnits = (m + MR - 1) / MR;
        long macs = 0, widths = 0;
        for (GemmSpec si : s) {
            macs += (long) m * si.n() * k;
            widths += roundUp(si.n(), NR);
        }
        if (macs < SERIAL_MACS || t == 1 || mUnits < t) sharedA(s, a, b, c, 0, m, BUFFERS.get());
        else pool.parallelForGuided(mUnits, minUnits(mUnits, (long) MR * widths * k, t), (u0, u1) ->
                sharedA(s, a, b, c, u0 * MR, Math.min(m, u1 * MR), BUFFERS.get()));
    }

    /**
     * Whether {@link #gemmSharedA} takes these products: two or more, one matrix each, one A with rows and depth, the
     * same m, k and scalars (alpha not 0), and the B_i together at most NC wide, so that their packed depth block is
     * no larger than one product's B block (xs and s: 288 to 1024 columns; B/2's q, k, v, 2304, run as separate calls).
     * Not where the kernels read A in place (AMD: narrow products do not pack A, wide ones have their own split;
     * sharing is unmeasured there, so their products stay as they were).
     */
    static boolean sharesA(GemmSpec[] s) {
        GemmSpec s0 = s[0];
        if (s.length < 2 || s0.m() == 0 || s0.k() == 0 || s0.alpha() == 0f || GemmSimd.READS_A_IN_PLACE) return false;
        int widths = 0;
        for (GemmSpec si : s) {
            if (si.batch() != 1 || si.m() != s0.m() || si.k() != s0.k() || si.transA() != s0.transA() || si.lda() != s0.lda()
                    || si.offA() != s0.offA() || si.alpha() != s0.alpha() || si.beta() != s0.beta()) return false;
            widths += roundUp(si.n(), NR);
        }
        return widths <= NC;
    }

    /** Rows {@code [i0, i1)} of every {@code C_i}: per depth block, every B_i packed side by side, then per A block the packing and every C_i's tiles. */
    private static void sharedA(GemmSpec[] s, float[] a, float[][] b, float[][] c, int i0, int i1, Buffers buf) {
        GemmSpec s0 = s[0];
        int k = s0.k(), kcMax = Math.min(KC, k), oa = (int) s0.offA();
        int[] at = new int[s.length + 1];
        for (int i = 0; i < s.length; i++) at[i + 1] = at[i] + roundUp(s[i].n(), NR) * kcMax;
        if (buf.b.length < at[s.length]) buf.b = new float[at[s.length]];
        float[] bp = buf.b;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            for (int i = 0; i < s.length; i++) packB(s[i], b[i], (int) s[i].offB(), pc, kc, 0, s[i].n(), bp, at[i]);
            float[] ap = aPanels(s0, i0, i1, buf);
            for (int ic = i0; ic < i1; ic += MC) {
                int mc = Math.min(MC, i1 - ic);
                packA(s0, a, oa, ic, 0, mc, pc, kc, ap);
                for (int i = 0; i < s.length; i++) tiles(s[i], a, c[i], 0, ic, mc, 0, s[i].n(), pc, kc, bp, at[i], ap, false, buf.tile);
            }
        }
    }

    /**
     * One matrix of the batch, split along m (in MR rows) or n (in NR columns). The longer side is
     * split: each range packs all of the other operand, so that duplicate is smaller. The threads claim
     * guided ranges ({@link WorkerPool#parallelForGuided}: long ones first, short ones last), each of at
     * least {@link #minUnits} units, so repacking the shared operand stays cheap.
     */
    private static void splitOne(WorkerPool pool, GemmSpec s, float[] a, float[] b, float[] c, int bi, boolean serial) {
        int m = s.m(), n = s.n(), t = pool.threads();
        int mUnits = (m + MR - 1) / MR, nUnits = (n + NR - 1) / NR;
        boolean longK = !serial && t > 1 && s.k() >= K_SPLIT_RATIO * Math.max(m, n) && s.k() >= t * KC;
        if (longK && (n <= K_SPLIT_MAX_N || !GemmSimd.READS_A_IN_PLACE)) {
            splitK(pool, s, a, b, c, bi);
        } else if (longK && m <= K_SPLIT_MAX_N) {
            splitKTransposed(pool, s, a, b, c, bi);
        } else if (serial || t == 1 || (mUnits < t && nUnits < t)) {
            block(s, a, b, c, bi, 0, m, 0, n, KC, BUFFERS.get());
        } else if (mUnits >= t && (m >= n || nUnits < t)) {
            int chunks = chunks(mUnits, t);
            boolean shortChunks = s.k() > 0 && s.alpha() != 0f && m / chunks < SHARED_B_MAX_ROWS
                    && (long) m * Math.min(n, NC) * Math.min(s.k(), KC) >= SHARED_B_MIN_MACS;
            if (shortChunks && GemmSimd.READS_A_IN_PLACE && n > DIRECT_A_MAX_N) {
                splitColumnsReadingA(pool, s, a, b, c, bi);
                return;
            }
            if (shortChunks && !GemmSimd.READS_A_IN_PLACE) {
                splitRowsSharingB(pool, s, a, b, c, bi);
                return;
            }
            pool.parallelForGuided(mUnits, minUnits(mUnits, (long) MR * n * s.k(), t), (u0, u1) ->
                    block(s, a, b, c, bi, u0 * MR, Math.min(m, u1 * MR), 0, n, KC, BUFFERS.get()));
        } else {
            pool.parallelForGuided(nUnits, minUnits(nUnits, (long) NR * m * s.k(), t), (u0, u1) ->
                    block(s, a, b, c, bi, 0, m, u0 * NR, Math.min(n, u1 * NR), KC, BUFFERS.get()));
        }
    }

    /**
     * One matrix whose row chunks would be short, over a B wider than {@link #DIRECT_A_MAX_N}: column chunks
     * at most that wide, claimed by the threads, each reading A in place and packing only its own columns of
     * B, so nothing is packed twice and no hand-off waits between depth blocks. At least two chunks per thread,
     * so a thread that starts late or runs slower delays the call by one chunk. Against
     * {@link #splitRowsSharingB} (two hand-offs per KC×NC block, each a wait for the slower thread) on Zen 5, two
     * threads, `tools/gemm-ab.sh`, 11 rounds: 1024³ 392.7 against 302.1 GFLOP/s (1.30; Aᵀ 1.14),
     * 2048×512×512 1.14, 2048×1024×256 (Bᵀ) 1.15. Row ranges each packing all of B ran 1024³ at 1.16.
     */
    private static void splitColumnsReadingA(WorkerPool pool, GemmSpec s, float[] a, float[] b, float[] c, int bi) {
        int m = s.m(), n = s.n(), nUnits = (n + NR - 1) / NR;
        int chunks = Math.max(2 * pool.threads(), (n + DIRECT_A_MAX_N - 1) / DIRECT_A_MAX_N);
        pool.parallelForClaimed(nUnits, chunks, (u0, u1) ->
                block(s, a, b, c, bi, 0, m, u0 * NR, Math.min(n, u1 * NR), KC, BUFFERS.get()));
    }

    /**
     * One matrix in row ranges that share one packed B: for each KC×NC block the threads pack B's panels
     * together, then claim guided row ranges (long first, down to {@link #SHARED_B_MIN_UNITS} units). Each
     * chunk packing all of B itself cost 15 % of a 1024³ product (8 chunks); sharing costs two hand-offs per
     * block instead, and each waits for the slower thread's last range: with 8 equal chunks that was up to an
     * eighth of a block (guided ranges: 1024³ 1.06×, Aᵀ 1.06× on the Intel Xeon, `tools/gemm-ab.sh`).
     */
    private static void splitRowsSharingB(WorkerPool pool, GemmSpec s, float[] a, float[] b, float[] c, int bi) {
        int m = s.m(), n = s.n(), k = s.k(), mUnits = (m + MR - 1) / MR, ob = (int) (s.offB() + bi * s.strideB());
        Buffers own = BUFFERS.get();
        int need = Math.min(NC, roundUp(n, NR)) * Math.min(KC, k);
        if (own.sharedB.length < need) own.sharedB = new float[need];
        float[] bp = own.sharedB;
        for (int jc0 = 0; jc0 < n; jc0 += NC) {
            int jc = jc0, nc = Math.min(NC, n - jc), panels = (nc + NR - 1) / NR;
            for (int pc0 = 0; pc0 < k; pc0 += KC) {
                int pc = pc0, kc = Math.min(KC, k - pc);
                int grain = (long) kc * nc >= PARALLEL_PACK_MIN ? 2 : panels; // a small block: no hand-off
                pool.parallelFor(panels, grain, (q0, q1) ->
                        packB(s, b, ob, pc, kc, jc + q0 * NR, Math.min(nc, q1 * NR) - q0 * NR, bp, q0 * NR * kc));
                pool.parallelForGuided(mUnits, SHARED_B_MIN_UNITS, (u0, u1) ->
                        onPackedB(s, a, c, bi, u0 * MR, Math.min(m, u1 * MR), jc, nc, pc, kc, bp, BUFFERS.get()));
            }
        }
    }

    /**
     * A small C over a long k (the weight gradients {@code xᵀ·dY}, k = B·L tokens): k is cut into up to
     * {@code CHUNKS_PER_THREAD·t} ranges of whole depth blocks that the threads claim. Range 0 writes C (with
     * the caller's beta); the others write partial products into a buffer kept by the calling thread, which
     * are then added into C range by range in a fixed order, so the result depends on the thread count only
     * (as the ranges do). Splitting m or n here would leave a few uneven chunks (192 rows = 3 chunks for 2
     * threads); two static halves of k had the caller wait 12–16 % of these products' time for a worker
     * that started late (a per-call trace of the xs step).
     */
    private static void splitK(WorkerPool pool, GemmSpec s, float[] a, float[] b, float[] c, int bi) {
        int t = pool.threads(), m = s.m(), n = s.n(), k = s.k();
        int mn = m * n, blocks = (k + KC_SPLIT_K - 1) / KC_SPLIT_K;
        int ranges = Math.min(blocks, Math.max(t, Math.min(CHUNKS_PER_THREAD * t, 1 + K_SPLIT_MAX_PARTIALS / Math.max(1, mn))));
        Buffers own = BUFFERS.get();
        if (own.partials.length < (long) (ranges - 1) * mn) own.partials = new float[(ranges - 1) * mn];
        float[] partials = own.partials;
        pool.parallelForClaimed(ranges, ranges, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int k0 = Math.min(k, part(blocks, r, ranges) * KC_SPLIT_K), k1 = Math.min(k, part(blocks, r + 1, ranges) * KC_SPLIT_K);
                long offA = s.offA() + bi * s.strideA() + (s.transA() ? (long) k0 * s.lda() : k0);
                long offB = s.offB() + bi * s.strideB() + (s.transB() ? k0 : (long) k0 * s.ldb());
                if (r == 0) {
                    GemmSpec first = new GemmSpec(1, m, n, k1 - k0, s.transA(), s.transB(), s.lda(), s.ldb(), s.ldc(),
                            offA, offB, s.offC() + bi * s.strideC(), 0, 0, 0, s.alpha(), s.beta());
                    block(first, a, b, c, 0, 0, m, 0, n, KC_SPLIT_K, BUFFERS.get());
                } else {
                    GemmSpec rest = new GemmSpec(1, m, n, k1 - k0, s.transA(), s.transB(), s.lda(), s.ldb(), n,
                            offA, offB, (long) (r - 1) * mn, 0, 0, 0, s.alpha(), 0f);
                    block(rest, a, b, partials, 0, 0, m, 0, n, KC_SPLIT_K, BUFFERS.get());
                }
            }
        });
        int oc = (int) (s.offC() + bi * s.strideC()), ldc = s.ldc();
        pool.parallelForGuided(m, Math.max(1, REDUCE_MIN_FLOATS / Math.max(1, n * (ranges - 1))), (i0, i1) -> {
            for (int i = i0; i < i1; i++) GemmSimd.addPartials(c, oc + i * ldc, partials, i * n, mn, ranges - 1, n);
        });
    }

    /**
     * A small C over a long k that is too wide for {@link #splitK} ({@code n > K_SPLIT_MAX_N}) but narrow
     * enough transposed ({@code m ≤ K_SPLIT_MAX_N}): the weight gradients {@code xᵀ·dY} whose output side is
     * the wider. Runs {@code Cᵀ = op(B)ᵀ·op(A)ᵀ} (the same products and sums, m and n swapped) split along k
     * into a scratch buffer, then writes its transpose into C with alpha and beta. On Zen 5 (two threads,
     * `tools/gemm-vs-openblas.sh`) the transposed shapes ran 1.11–1.35× OpenBLAS where these ran 0.87–1.00×.
     */
    private static void splitKTransposed(WorkerPool pool, GemmSpec s, float[] a, float[] b, float[] c, int bi) {
        int m = s.m(), n = s.n();
        Buffers own = BUFFERS.get();
        if (own.transposed.length < m * n) own.transposed = new float[m * n];
        float[] ct = own.transposed;
        GemmSpec swapped = new GemmSpec(1, n, m, s.k(), !s.transB(), !s.transA(), s.ldb(), s.lda(), m,
                s.offB() + bi * s.strideB(), s.offA() + bi * s.strideA(), 0, 0, 0, 0, 1f, 0f);
        splitK(pool, swapped, b, a, ct, 0);
        int oc = (int) (s.offC() + bi * s.strideC()), ldc = s.ldc();
        float alpha = s.alpha(), beta = s.beta();
        for (int i = 0; i < m; i++) {
            int row = oc + i * ldc;
            if (beta == 0f) for (int j = 0; j < n; j++) c[row + j] = alpha * ct[j * m + i];
            else for (int j = 0; j < n; j++) c[row + j] = alpha * ct[j * m + i] + beta * c[row + j];
        }
    }

    /**
     * The shortest guided range of a split matrix of {@code units} units of {@code unitMacs} multiply-adds:
     * at least {@code MIN_UNITS_PER_CHUNK} units and {@code GUIDED_MIN_MACS}, so that packing the other
     * operand again stays a small part of each range, but no more than a thread's share (every thread
     * still gets work).
     */
    private static int minUnits(int units, long unitMacs, int t) {
        long wanted = Math.max(MIN_UNITS_PER_CHUNK, (GUIDED_MIN_MACS + unitMacs - 1) / Math.max(1, unitMacs));
        return (int) Math.max(1, Math.min(units / t, wanted));
    }

    /** Between t and {@code CHUNKS_PER_THREAD·t} chunks of at least {@code MIN_UNITS_PER_CHUNK} units (when possible). */
    private static int chunks(int units, int t) {
        return Math.max(t, Math.min(CHUNKS_PER_THREAD * t, units / MIN_UNITS_PER_CHUNK));
    }

    /** Start of chunk {@code ch} of {@code chunks} equal parts of {@code [0, units)}. */
    private static int part(int units, int ch, int chunks) { return (int) ((long) units * ch / chunks); }

    /** {@code C[i0:i1, j0:j1]} of batch item {@code bi}, in depth blocks of {@code kcStep} (at most KC). */
    private static void block(GemmSpec s, float[] a, float[] b, float[] c, int bi,
                              int i0, int i1, int j0, int j1, int kcStep, Buffers buf) {
        int k = s.k(), ob = (int) (s.offB() + bi * s.strideB());
        if (k == 0 || s.alpha() == 0f) {
            scaleC(c, (int) (s.offC() + bi * s.strideC()), s.ldc(), i0, i1, j0, j1, s.beta());
            return;
        }
        int kcMax = Math.min(kcStep, k), needB = Math.min(NC, roundUp(j1 - j0, NR)) * kcMax;
        if (buf.b.length < needB) buf.b = new float[needB];
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += kcStep) {
                int kc = Math.min(kcStep, k - pc);
                packB(s, b, ob, pc, kc, jc, nc, buf.b, 0);
                onPackedB(s, a, c, bi, i0, i1, jc, nc, pc, kc, buf.b, buf);
            }
        }
    }

    /**
     * {@code C[i0:i1, jc:jc+nc]} (+)= {@code op(A)[i0:i1, pc:pc+kc] · Bblock}, where {@code bp} holds
     * {@code op(B)[pc:pc+kc, jc:jc+nc]} packed by {@link #packB}; the first depth block applies beta.
     */
    private static void onPackedB(GemmSpec s, float[] a, float[] c, int bi, int i0, int i1,
                                  int jc, int nc, int pc, int kc, float[] bp, Buffers buf) {
        float[] ap = aPanels(s, i0, i1, buf);
        int oa = (int) (s.offA() + bi * s.strideA());
        // Few column panels reuse an A block too little to repay packing it: read full MR-row panels
        // of A in place and pack only a ragged last panel (where the kernels do: AMD; Intel packs A).
        boolean direct = GemmSimd.READS_A_IN_PLACE && nc <= DIRECT_A_MAX_N;
        for (int ic = i0; ic < i1; ic += MC) {
            int mc = Math.min(MC, i1 - ic);
            packA(s, a, oa, ic, direct ? mc / MR * MR : 0, mc, pc, kc, ap);
            tiles(s, a, c, bi, ic, mc, jc, nc, pc, kc, bp, 0, ap, direct, buf.tile);
        }
    }

    /** This thread's buffer for the packed A panels of rows {@code [i0, i1)}, grown when needed. */
    private static float[] aPanels(GemmSpec s, int i0, int i1, Buffers buf) {
        int needA = Math.min(MC, roundUp(i1 - i0, MR)) * Math.min(KC, s.k()) + L; // + L: packA's last wide copy
        if (buf.a.length < needA) buf.a = new float[needA];
        return buf.a;
    }

    /**
     * The tiles of {@code C[ic:ic+mc, jc:jc+nc]} (+)= the packed A block {@code ap} (or A itself where {@code direct})
     * times the B block packed at {@code bp[bpo]}; the first depth block applies beta.
     */
    private static void tiles(GemmSpec s, float[] a, float[] c, int bi, int ic, int mc, int jc, int nc,
                              int pc, int kc, float[] bp, int bpo, float[] ap, boolean direct, float[] tile) {
        int ldc = s.ldc(), lda = s.lda();
        int oa = (int) (s.offA() + bi * s.strideA()), oc = (int) (s.offC() + bi * s.strideC());
        float alpha = s.alpha(), beta = pc == 0 ? s.beta() : 1f;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr), bo = bpo + jr * kc;
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                float[] src = ap;
                int ao = ir * kc, ars = 1, aps = MR;
                if (direct && mr == MR) {
                    src = a;
                    ao = oa + (s.transA() ? pc * lda + ic + ir : (ic + ir) * lda + pc);
                    ars = s.transA() ? 1 : lda;
                    aps = s.transA() ? lda : 1;
                }
                int co = oc + (ic + ir) * ldc + jc + jr;
                if (mr == MR && nr == NR) {
                    GemmSimd.full(kc, src, ao, ars, aps, bp, bo, c, co, ldc, alpha, beta, tile);
                } else {
                    if (nr <= L) GemmSimd.halfRaw(kc, src, ao, ars, aps, bp, bo, tile, 0, NR);
                    else GemmSimd.full(kc, src, ao, ars, aps, bp, bo, tile, 0, NR, 1f, 0f, tile);
                    mergeTile(tile, c, co, ldc, mr, nr, alpha, beta);
                }
            }
        }
    }

    /**
     * Packs rows {@code [ir0, mc)} of {@code op(A)[ic:ic+mc, pc:pc+kc]} ({@code ir0} a multiple of MR)
     * as MR-row panels: panel {@code q} starts at {@code q·MR·kc} and holds {@code A(ic+q·MR+r, pc+p)}
     * at {@code p·MR + r}; rows past mc are 0.
     */
    private static void packA(GemmSpec s, float[] a, int oa, int ic, int ir0, int mc, int pc, int kc, float[] ap) {
        int lda = s.lda();
        for (int ir = ir0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir), base = ir * kc;
            if (s.transA() && mr == MR) {           // A stored k×m: a panel row is MR contiguous floats
                int p = 0;
                if (MR == 12)                       // four rows at a time, while A has 16 floats after the last one's start
                    for (; p + 4 <= kc && oa + (pc + p + 3) * lda + ic + ir + L <= a.length; p += 4)
                        GemmSimd.packPanelRows12(a, oa + (pc + p) * lda + ic + ir, lda, ap, base + p * MR);
                for (; p < kc; p++) {
                    int src = oa + (pc + p) * lda + ic + ir, dst = base + p * MR;
                    if (src + L <= a.length) GemmSimd.copyPanelRow(a, src, ap, dst);
                    else for (int r = 0; r < MR; r++) ap[dst + r] = a[src + r]; // A's last floats
                }
            } else if (s.transA()) {
                for (int p = 0; p < kc; p++) {
                    int src = oa + (pc + p) * lda + ic + ir, dst = base + p * MR;
                    for (int r = 0; r < mr; r++) ap[dst + r] = a[src + r];
                    for (int r = mr; r < MR; r++) ap[dst + r] = 0f;
                }
            } else if (MR == 4 && mr == MR) {       // A stored m×k: transpose 4×L blocks in registers
                GemmSimd.packRows4(a, oa + (ic + ir) * lda + pc, lda, kc, ap, base);
            } else if (MR == 8 && mr == MR && L >= 8) { // the same for 8 rows (its shuffles need 8 lanes or more)
                GemmSimd.packRows8(a, oa + (ic + ir) * lda + pc, lda, kc, ap, base);
            } else if (MR == 12 && mr == MR) {      // the same for 12 rows (16 lanes only)
                GemmSimd.packRows12(a, oa + (ic + ir) * lda + pc, lda, kc, ap, base);
            } else {                                // A stored m×k: walk each row along k
                for (int r = 0; r < MR; r++) {
                    if (r < mr) {
                        int src = oa + (ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) ap[base + p * MR + r] = a[src + p];
                    } else {
                        for (int p = 0; p < kc; p++) ap[base + p * MR + r] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs {@code op(B)[pc:pc+kc, jc:jc+nc]} as NR-column panels: panel {@code q} starts at
     * {@code bpo + q·NR·kc} and holds {@code B(pc+p, jc+q·NR+j)} at {@code p·NR + j}; columns past nc are 0.
     */
    private static void packB(GemmSpec s, float[] b, int ob, int pc, int kc, int jc, int nc, float[] bp, int bpo) {
        int ldb = s.ldb(), whole = nc / NR * NR;
        if (!s.transB()) {                          // B stored k×n: a panel row is contiguous
            // Several panels at a time, row by row: reads run along B's rows (one panel at a time read
            // one line per row, a stride the prefetcher served poorly).
            for (int g = 0; g < whole; g += PACK_B_GROUP * NR) {
                int gEnd = Math.min(whole, g + PACK_B_GROUP * NR);
                for (int p = 0; p < kc; p++) {
                    int src = ob + (pc + p) * ldb + jc, dst = bpo + p * NR;
                    for (int jr = g; jr < gEnd; jr += NR) GemmSimd.copyRow(b, src + jr, bp, dst + jr * kc);
                }
            }
            if (whole < nc) {
                int nr = nc - whole, base = bpo + whole * kc;
                for (int p = 0; p < kc; p++) {
                    int src = ob + (pc + p) * ldb + jc + whole, dst = base + p * NR;
                    System.arraycopy(b, src, bp, dst, nr);
                    for (int j = nr; j < NR; j++) bp[dst + j] = 0f;
                }
            }
            return;
        }
        // B stored n×k: a panel is its columns transposed, 16×16 blocks in registers where vectors have 16 lanes
        // (the scalar walk along each column cost ~3 µs per 96×96 weight, packed again by every row range)
        int pT = Transpose16.AVAILABLE ? kc / 16 * 16 : 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr), base = bpo + jr * kc, src0 = ob + (jc + jr) * ldb + pc;
            for (int j0 = 0; j0 < NR; j0 += 16)
                for (int p = 0; p < pT; p += 16)
                    Transpose16.block(b, src0 + j0 * ldb + p, ldb, Math.clamp(nr - j0, 0, 16), bp, base + p * NR + j0, NR);
            if (pT == kc) continue;
            for (int j = 0; j < NR; j++) {
                if (j < nr) {
                    int src = src0 + j * ldb;
                    for (int p = pT; p < kc; p++) bp[base + p * NR + j] = b[src + p];
                } else {
                    for (int p = pT; p < kc; p++) bp[base + p * NR + j] = 0f;
                }
            }
        }
    }

    /** {@code C[0:mr, 0:nr] = alpha·tile + beta·C} (C not read when beta is 0). */
    static void mergeTile(float[] tile, float[] c, int co, int ldc, int mr, int nr, float alpha, float beta) {
        for (int r = 0; r < mr; r++) {
            int row = co + r * ldc, t = r * NR;
            if (beta == 0f) for (int j = 0; j < nr; j++) c[row + j] = alpha * tile[t + j];
            else for (int j = 0; j < nr; j++) c[row + j] = alpha * tile[t + j] + beta * c[row + j];
        }
    }

    /** {@code C = beta·C} on a block, for k == 0 or alpha == 0 (A and B are not read). */
    static void scaleC(float[] c, int oc, int ldc, int i0, int i1, int j0, int j1, float beta) {
        for (int i = i0; i < i1; i++) {
            int row = oc + i * ldc;
            for (int j = j0; j < j1; j++) c[row + j] = beta == 0f ? 0f : beta * c[row + j];
        }
    }

    private static int roundUp(int x, int q) { return (x + q - 1) / q * q; }
}
