package imfengine.backend;

import imfengine.tensor.Shape;

/**
 * How a smaller operand {@code b} repeats over a larger {@code a}: {@code a} is viewed as
 * {@code [outer, n, inner]} and {@code b} has {@code n} elements, so
 * {@code b[(i / inner) % n]} pairs with {@code a[i]}. This covers a vector broadcast over rows
 * ({@code inner = 1}), a per-example scalar ({@code outer = 1}), equal shapes and a scalar.
 */
public record Broadcast(long outer, long n, long inner) {

    /** The broadcast of {@code b} over {@code a}, numpy-style right-aligned; {@code b}'s non-1 dims must be contiguous. */
    public static Broadcast of(String op, Shape a, Shape b) {
        int ra = a.rank(), rb = b.rank();
        if (rb > ra) throw mismatch(op, a, b);
        int first = -1, last = -1; // range of a's axes where b has a non-1 dim
        for (int i = 0; i < rb; i++) {
            int ax = ra - rb + i;
            int db = b.dim(i);
            if (db == 1) continue; // broadcast (or a size-1 axis, which does not matter)
            if (db != a.dim(ax)) throw mismatch(op, a, b);
            if (first < 0) first = ax;
            else for (int gap = last + 1; gap < ax; gap++) if (a.dim(gap) != 1) throw mismatch(op, a, b);
            last = ax;
        }
        if (first < 0) return new Broadcast(a.size(), 1, 1);
        long outer = 1, n = 1, inner = 1;
        for (int ax = 0; ax < ra; ax++) {
            if (ax < first) outer *= a.dim(ax);
            else if (ax <= last) n *= a.dim(ax);
            else inner *= a.dim(ax);
        }
        return new Broadcast(outer, n, inner);
    }

    public long total() { return outer * n * inner; }

    public boolean isElementwise() { return outer == 1 && inner == 1; }

    private static IllegalArgumentException mismatch(String op, Shape a, Shape b) {
        return new IllegalArgumentException(op + ": cannot broadcast shape " + b + " over " + a);
    }
}
