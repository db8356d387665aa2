package imfengine.backend;

/**
 * One (strided-batched) matrix product {@code C = alpha·op(A)·op(B) + beta·C}, all row-major:
 * {@code op(A)} is {@code m×k}, {@code op(B)} is {@code k×n}, {@code C} is {@code m×n}.
 * Leading dimensions are the row strides of the stored matrices (A stored {@code k×m} when
 * transposed); batch {@code i} starts at {@code off + i·stride} in each operand.
 */
public record GemmSpec(int batch, int m, int n, int k,
                       boolean transA, boolean transB,
                       int lda, int ldb, int ldc,
                       long offA, long offB, long offC,
                       long strideA, long strideB, long strideC,
                       float alpha, float beta) {

    /** A single dense product with natural leading dimensions. */
    public static GemmSpec of(int m, int n, int k, boolean transA, boolean transB, float alpha, float beta) {
        return batched(1, m, n, k, transA, transB, alpha, beta);
    }

    /** Contiguous batches of dense matrices. */
    public static GemmSpec batched(int batch, int m, int n, int k, boolean transA, boolean transB, float alpha, float beta) {
        int lda = transA ? m : k, ldb = transB ? k : n;
        return new GemmSpec(batch, m, n, k, transA, transB, lda, ldb, n, 0, 0, 0,
                (long) m * k, (long) k * n, (long) m * n, alpha, beta);
    }

    public double flops() { return 2.0 * batch * m * n * k; }

    /** Elements of A from its first to one past its last (offset excluded): what a copy of A must hold. */
    public long spanA() { return span(batch, strideA, transA ? k : m, lda, transA ? m : k); }

    /** Elements of B from its first to one past its last. */
    public long spanB() { return span(batch, strideB, transB ? n : k, ldb, transB ? k : n); }

    /** Elements of C from its first to one past its last. */
    public long spanC() { return span(batch, strideC, m, ldc, n); }

    private static long span(int batch, long stride, int rows, int ld, int cols) {
        return (batch - 1) * stride + (long) (rows - 1) * ld + cols;
    }

    /** The same product with each operand's offset moved by {@code da, db, dc} elements (tensor views). */
    public GemmSpec shifted(long da, long db, long dc) {
        if (da == 0 && db == 0 && dc == 0) return this;
        return new GemmSpec(batch, m, n, k, transA, transB, lda, ldb, ldc, offA + da, offB + db, offC + dc,
                strideA, strideB, strideC, alpha, beta);
    }
}
