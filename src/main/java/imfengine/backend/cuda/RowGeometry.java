package imfengine.backend.cuda;

/**
 * Launch geometry of the row kernels (RMSNorm and softmax: forward, dual and backward over the last axis),
 * read from the PTX of their family where the {@code .cu} file exports it ({@code <family>_row_warp_max_n},
 * {@code <family>_row_warps_per_block}, defined once in {@code common.cuh}; named by family because the
 * emulator links all families into one library): a row of at most that many floats gets one warp, that many
 * rows to a block, so that the 64-float rows of the per-head
 * q/k norms do not each occupy a block of 256 threads for two floats apiece; a longer row gets a block of
 * {@link Launch#THREADS}. The kernels tell the two apart by {@code blockDim.y}.
 */
final class RowGeometry {
    private RowGeometry() {}

    /** Whether rows of {@code n} floats of {@code family}'s kernels get one warp each. */
    static boolean warpPerRow(String family, int n) { return n <= PtxText.constant(family, family + "_row_warp_max_n"); }

    /** The launch over {@code rows > 0} rows of {@code n} floats. */
    static Launch launch(String family, int rows, int n) {
        if (!warpPerRow(family, n)) return new Launch(rows, 1, Launch.THREADS, 1, 0);
        int perBlock = PtxText.constant(family, family + "_row_warps_per_block");
        return new Launch((rows + perBlock - 1) / perBlock, 1, 32, perBlock, 0);
    }
}
