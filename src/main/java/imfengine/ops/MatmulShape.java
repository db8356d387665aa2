package imfengine.ops;

import imfengine.backend.GemmSpec;
import imfengine.tensor.Shape;

import java.util.Arrays;

/**
 * Shape logic of {@code op(A)·op(B)}: A is {@code [..., m, k]} (or {@code [..., k, m]} transposed);
 * B is either one matrix (A's leading axes become rows, the Linear-layer case) or has the same
 * leading axes as A (a strided batch, the attention case).
 */
record MatmulShape(int batch, int m, int n, int k, boolean transA, boolean transB, Shape out) {

    static MatmulShape of(Shape a, boolean transA, Shape b, boolean transB) {
        if (a.rank() < 2 || b.rank() < 2)
            throw new IllegalArgumentException("matmul: operands need rank >= 2, got " + a + " and " + b);
        int bk = transB ? b.dim(-1) : b.dim(-2), n = transB ? b.dim(-2) : b.dim(-1);
        if (b.rank() == 2 && !transA) { // flatten A's leading axes into rows
            int k = a.last(), m = a.rows();
            if (k != bk) throw mismatch(a, transA, b, transB);
            int[] od = a.dims();
            od[od.length - 1] = n;
            return new MatmulShape(1, m, n, k, false, transB, Shape.of(od));
        }
        int m = transA ? a.dim(-1) : a.dim(-2), k = transA ? a.dim(-2) : a.dim(-1);
        if (k != bk) throw mismatch(a, transA, b, transB);
        int[] la = Arrays.copyOf(a.dims(), a.rank() - 2), lb = Arrays.copyOf(b.dims(), b.rank() - 2);
        if (!Arrays.equals(la, lb)) throw mismatch(a, transA, b, transB);
        int batch = 1;
        for (int d : la) batch *= d;
        int[] od = Arrays.copyOf(la, la.length + 2);
        od[la.length] = m;
        od[la.length + 1] = n;
        return new MatmulShape(batch, m, n, k, transA, transB, Shape.of(od));
    }

    GemmSpec spec(float alpha, float beta) {
        return GemmSpec.batched(batch, m, n, k, transA, transB, alpha, beta);
    }

    private static IllegalArgumentException mismatch(Shape a, boolean ta, Shape b, boolean tb) {
        return new IllegalArgumentException("matmul: shapes " + a + (ta ? "ᵀ" : "") + " and " + b + (tb ? "ᵀ" : "")
                + " do not multiply");
    }
}
