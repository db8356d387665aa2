package imfengine.tensor;

import java.util.Arrays;

/** A reordering of a tensor's axes: axis {@code i} of the result is axis {@link #source(int) source(i)} of the input. */
public final class Permutation {
    private final int[] axes;

    private Permutation(int[] axes) {
        boolean[] seen = new boolean[axes.length];
        for (int a : axes) {
            if (a < 0 || a >= axes.length || seen[a])
                throw new IllegalArgumentException("permute: " + Arrays.toString(axes) + " is not a permutation of " + axes.length + " axes");
            seen[a] = true;
        }
        this.axes = axes;
    }

    public static Permutation of(int... axes) { return new Permutation(axes.clone()); }

    /** The permutation of {@code rank} axes that swaps {@code a} and {@code b}. */
    public static Permutation swap(int rank, int a, int b) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) p[i] = i;
        p[a] = b;
        p[b] = a;
        return new Permutation(p);
    }

    public int rank() { return axes.length; }

    /** The input axis that becomes output axis {@code i}. */
    public int source(int i) { return axes[i]; }

    public Permutation inverse() {
        int[] inv = new int[axes.length];
        for (int i = 0; i < axes.length; i++) inv[axes[i]] = i;
        return new Permutation(inv);
    }

    /** The shape of {@code s} permuted; throws naming both when the ranks differ. */
    public Shape apply(Shape s) {
        requireFits(s);
        int[] d = new int[axes.length];
        for (int i = 0; i < d.length; i++) d[i] = s.dim(axes[i]);
        return Shape.of(d);
    }

    /**
     * How far one step along each output axis moves in {@code input} laid out row-major (in elements): the
     * strides a permute reads its source with, output axis by output axis.
     */
    public long[] sourceStrides(Shape input) {
        requireFits(input);
        int r = axes.length;
        long[] inputStride = new long[r];
        long s = 1;
        for (int i = r - 1; i >= 0; i--) { inputStride[i] = s; s *= input.dim(i); }
        long[] strides = new long[r];
        for (int i = 0; i < r; i++) strides[i] = inputStride[axes[i]];
        return strides;
    }

    /**
     * This reordering of {@code input}'s axes on as few axes as it allows: axes of size 1 dropped, and input
     * axes that stay next to each other, in the same order, merged into one. A patchify's {@code [n, h, p, w, q, c]
     * → [n, h, w, p, q, c]} is {@code [n·h, p, w, q·c] → [n·h, w, p, q·c]}, so a permute copies runs of
     * {@code q·c} elements instead of single ones. {@link Coalesced#moves()} is false when no element moves.
     */
    public Coalesced coalesce(Shape input) {
        requireFits(input);
        int r = axes.length;
        int[] rankOf = new int[r]; // an input axis's place among the axes longer than 1, or -1
        int kept = 0;
        for (int a = 0; a < r; a++) rankOf[a] = input.dim(a) == 1 ? -1 : kept++;
        // runs of kept axes, in output order, whose input places follow each other
        int[] runStart = new int[kept], runLength = new int[kept];
        int runs = 0, previous = -2;
        for (int i = 0; i < r; i++) {
            int place = rankOf[axes[i]];
            if (place < 0) continue;
            if (place == previous + 1) {
                runLength[runs - 1]++;
            } else {
                runStart[runs] = place;
                runLength[runs++] = 1;
            }
            previous = place;
        }
        int[] keptDims = new int[kept];
        for (int a = 0; a < r; a++) if (rankOf[a] >= 0) keptDims[rankOf[a]] = input.dim(a);
        // the runs in input order are the coalesced input axes; output axis i is run i
        Integer[] byInput = new Integer[runs];
        for (int i = 0; i < runs; i++) byInput[i] = i;
        Arrays.sort(byInput, (x, y) -> Integer.compare(runStart[x], runStart[y]));
        int[] dims = new int[runs], source = new int[runs];
        for (int j = 0; j < runs; j++) {
            int run = byInput[j];
            int d = 1;
            for (int t = 0; t < runLength[run]; t++) d *= keptDims[runStart[run] + t];
            dims[j] = d;
            source[run] = j;
        }
        return new Coalesced(Shape.of(dims), new Permutation(source));
    }

    private void requireFits(Shape s) {
        if (s.rank() != axes.length)
            throw new IllegalArgumentException("permute: " + this + " does not fit the axes of " + s);
    }

    /** A permutation on merged axes: {@code input} is the input's shape on them (see {@link #coalesce}). */
    public record Coalesced(Shape input, Permutation perm) {
        /** Whether any element changes place (more than one merged axis is left). */
        public boolean moves() { return perm.rank() > 1; }
    }

    @Override public boolean equals(Object o) { return o instanceof Permutation p && Arrays.equals(axes, p.axes); }

    @Override public int hashCode() { return Arrays.hashCode(axes); }

    @Override public String toString() { return Arrays.toString(axes); }
}
