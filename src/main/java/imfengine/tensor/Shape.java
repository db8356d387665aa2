package imfengine.tensor;

import java.util.Arrays;

/** An immutable tensor shape (row-major). Axes may be given negative, counting from the end. */
public final class Shape {
    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            n *= d;
        }
        this.dims = dims;
        this.size = n;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    public int rank() { return dims.length; }

    public long size() { return size; }

    /** Element count as an int; throws when the tensor is too large for one Java array. */
    public int intSize() {
        if (size > Integer.MAX_VALUE) throw new IllegalStateException("tensor too large: " + this);
        return (int) size;
    }

    public int dim(int axis) { return dims[axis(axis)]; }

    public int last() { return dims[dims.length - 1]; }

    /** Number of rows when viewed as a matrix [size / last, last]. */
    public int rows() { return dims.length == 0 || last() == 0 ? 0 : (int) (size / last()); }

    public int[] dims() { return dims.clone(); }

    /** Normalises an axis (negative counts from the end) or throws naming the shape. */
    public int axis(int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) throw new IllegalArgumentException("unknown axis " + axis + " for shape " + this);
        return a;
    }

    /** Product of the dimensions before {@code axis}. */
    public long outer(int axis) {
        long n = 1;
        for (int i = 0; i < axis(axis); i++) n *= dims[i];
        return n;
    }

    /** Product of the dimensions after {@code axis}. */
    public long inner(int axis) {
        long n = 1;
        for (int i = axis(axis) + 1; i < dims.length; i++) n *= dims[i];
        return n;
    }

    /** The last axis split into {@code parts} axes of {@code last / parts}: {@code [B, L, H·Dh]} → {@code [B, L, H, Dh]}. */
    public Shape splitLast(int parts) {
        int last = last();
        if (parts <= 0 || last % parts != 0)
            throw new IllegalArgumentException("shape " + this + ": its last axis (" + last + ") does not split into " + parts + " parts");
        int[] d = Arrays.copyOf(dims, dims.length + 1);
        d[dims.length - 1] = parts;
        d[dims.length] = last / parts;
        return new Shape(d);
    }

    public Shape withDim(int axis, int value) {
        int[] d = dims.clone();
        d[axis(axis)] = value;
        return new Shape(d);
    }

    @Override public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override public int hashCode() { return Arrays.hashCode(dims); }

    @Override public String toString() { return Arrays.toString(dims); }
}
