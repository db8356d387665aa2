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
        if (s.rank() != axes.length)
            throw new IllegalArgumentException("permute: " + this + " does not fit the axes of " + s);
        int[] d = new int[axes.length];
        for (int i = 0; i < d.length; i++) d[i] = s.dim(axes[i]);
        return Shape.of(d);
    }

    @Override public boolean equals(Object o) { return o instanceof Permutation p && Arrays.equals(axes, p.axes); }

    @Override public int hashCode() { return Arrays.hashCode(axes); }

    @Override public String toString() { return Arrays.toString(axes); }
}
