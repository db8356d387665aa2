package imfengine.backend.cuda;

/**
 * Launch geometry of the column sums ({@code reduce_cols_vjp} and RMSNorm's {@code rmsnorm_dw_vjp}), read from
 * {@code reduction.cu}'s PTX where it is defined: blocks of {@code column_sum_block_x} columns by
 * {@code column_sum_block_y} threads down the rows, and the rows cut into slices ({@code gridDim.y}) so that a
 * sum over many rows and few columns (the q/k norms' 64 weights, the gates' 768) is spread over about
 * {@code column_sum_target_blocks} blocks instead of {@code ceil(n/32)}; no slice is shorter than
 * {@code column_sum_min_slice_rows} rows. With more than one slice the blocks write per-slice partial sums to a
 * {@code [slices, n]} buffer and a second launch adds them in slice order: the same sums in the same order for a
 * given shape on every run (no float atomics).
 */
final class ColumnSums {
    static final int X = PtxText.constant("reduction", "column_sum_block_x"), Y = PtxText.constant("reduction", "column_sum_block_y");
    private static final int TARGET_BLOCKS = PtxText.constant("reduction", "column_sum_target_blocks");
    private static final int MIN_SLICE_ROWS = PtxText.constant("reduction", "column_sum_min_slice_rows");

    private ColumnSums() {}

    /** Blocks across {@code n} columns. */
    static int columnBlocks(int n) { return (n + X - 1) / X; }

    /** The row slices of a sum over {@code rows} rows of {@code n} columns (at least 1). */
    static int slices(int rows, int n) {
        long byTarget = (TARGET_BLOCKS + columnBlocks(n) - 1) / columnBlocks(n), byRows = ((long) rows + MIN_SLICE_ROWS - 1) / MIN_SLICE_ROWS;
        return (int) Math.max(1, Math.min(byTarget, byRows));
    }

    /** The launch over {@code n > 0} columns in {@code slices} slices. */
    static Launch launch(int n, int slices) { return new Launch(columnBlocks(n), slices, X, Y, 0); }
}
