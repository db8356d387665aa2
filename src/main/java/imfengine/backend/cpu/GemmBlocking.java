package imfengine.backend.cpu;

/**
 * The block sizes of {@link GemmPacked}: depth {@code kc}, rows {@code mc} of a packed A block, columns
 * {@code nc} of a packed B block, and the depth {@code kcSplitK} of the products whose k is split across
 * threads (a small C over a long k: the weight gradients). Chosen at start-up from the core's caches
 * ({@link #forCaches}), or given by {@code -Dimf.gemm.blocks=KC,MC,NC[,KCSPLIT]} to measure others.
 */
record GemmBlocking(int kc, int mc, int nc, int kcSplitK) {
    /** The A block's rows stay within this: MC 64–256 ran within ~5 % on Zen 4 and Zen 3, larger is unmeasured. */
    static final int MC_MAX = 256;
    /**
     * Columns of a B block: KC×NC floats are 1–2 MiB, in L3 on every machine measured; every iMF
     * product of xs and s has n ≤ 1024, so this only matters for larger ones (not swept).
     */
    static final int NC_DEFAULT = 1024;

    GemmBlocking {
        if (kc < 1 || mc < 1 || nc < 1 || kcSplitK < 1)
            throw new IllegalArgumentException("GEMM blocks must be positive: KC " + kc + ", MC " + mc + ", NC " + nc + ", split-k KC " + kcSplitK);
    }

    /**
     * The textbook rule, checked where we could measure: one KC×NR panel of B fills L1d (it is reused
     * by every A panel of a block while A streams from L2: KC 512 over 256 with the 4×16 tile on Zen 3's
     * 32 KiB ran 1.08–1.35× faster on the long-k and 1024³ products, and 256 with 8×32 on Zen 4's 32 KiB
     * is the tuned choice), and an MC×KC block of A fills half of L2 (Zen 3: 128 rows), at most
     * {@link #MC_MAX} rows. Intel's and Zen 5's 48 KiB L1d get KC 384 with the 8×32 tile (Zen 5: 1024³ 1.13× faster
     * than with KC 256, the weight gradients 0.98–1.10×; no other blocks measured consistently better).
     * <p>A split k's depth blocks take half of L1d per B panel (Zen 3: 256): their C is small, so the extra
     * passes over it cost little, and the B panel stays in L1 while the A panels stream past it. On Zen 3 the
     * six weight-gradient shapes of xs and s ran 1.02–1.10× faster with KC 256 than 512 (`tools/gemm-ab.sh`,
     * 2026-12-02), 128 and 384 slower than 256; Zen 4's 128 and Intel's 192 are the rule's, unmeasured.
     */
    static GemmBlocking forCaches(CpuCaches caches, int mr, int nr) {
        int kc = (int) Math.clamp(caches.l1dBytes() / (Float.BYTES * (long) nr), 64, 2048) / 16 * 16;
        long rows = caches.l2Bytes() / 2 / ((long) Float.BYTES * kc);
        int mc = (int) Math.clamp(rows, 4L * mr, MC_MAX) / mr * mr;
        int kcSplitK = (int) Math.clamp(caches.l1dBytes() / (2L * Float.BYTES * nr), 64, kc) / 16 * 16; // kc ≥ 64, a multiple of 16
        return new GemmBlocking(kc, mc, NC_DEFAULT, kcSplitK);
    }

    /**
     * {@code KC,MC,NC[,KCSPLIT]}, e.g. {@code 384,256,1024}: MC a multiple of the tile's {@code mr} rows and NC
     * of its {@code nr} columns, so that only a matrix's edge panels are partial; the split-k depth at most KC (the
     * pack buffers are sized by KC), and KC when not given.
     */
    static GemmBlocking parse(String spec, int mr, int nr) {
        String[] parts = spec.split(",", -1);
        if (parts.length != 3 && parts.length != 4)
            throw new IllegalArgumentException("imf.gemm.blocks=" + spec + ": expected KC,MC,NC or KC,MC,NC,KCSPLIT");
        int[] v = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("imf.gemm.blocks=" + spec + ": '" + parts[i] + "' is not a number");
            }
        }
        GemmBlocking b = new GemmBlocking(v[0], v[1], v[2], v.length == 4 ? v[3] : v[0]);
        if (b.mc % mr != 0 || b.nc % nr != 0)
            throw new IllegalArgumentException("imf.gemm.blocks=" + spec + ": MC must be a multiple of " + mr + " and NC of " + nr);
        if (b.kcSplitK > b.kc) throw new IllegalArgumentException("imf.gemm.blocks=" + spec + ": KCSPLIT must not exceed KC");
        return b;
    }

    /** {@code -Dimf.gemm.blocks} when set and valid (a warning otherwise), else the rule on this machine's caches. */
    static GemmBlocking chosen(int mr, int nr) {
        String forced = System.getProperty("imf.gemm.blocks");
        GemmBlocking byCaches = forCaches(CpuCaches.detect(), mr, nr);
        if (forced == null) return byCaches;
        try {
            return parse(forced, mr, nr);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "; using " + byCaches.describe());
            return byCaches;
        }
    }

    /** For logs: e.g. {@code KC 512, MC 128, NC 1024, split-k KC 256}. */
    String describe() { return "KC " + kc + ", MC " + mc + ", NC " + nc + ", split-k KC " + kcSplitK; }
}
