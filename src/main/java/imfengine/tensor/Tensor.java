package imfengine.tensor;

import imfengine.backend.Backend;

/**
 * A tensor: a shape of {@link DType} elements stored contiguously, row-major, in backend-owned storage
 * from element {@code offset} on. A tensor is a handle with no math of its own (kernels live in
 * {@link Backend}); views made by {@link #reshape}, {@link #view} and {@link #rows} share storage, so a
 * parameter can be a view of one flat buffer and a slice of a batch needs no copy.
 */
public final class Tensor {
    private final Shape shape;
    private final DType dtype;
    private final Storage storage;
    private final long offset;
    private final Backend backend;

    public Tensor(Shape shape, DType dtype, Storage storage, long offset, Backend backend) {
        if (offset < 0) throw new IllegalArgumentException("negative tensor offset " + offset);
        if ((offset + shape.size()) * dtype.bytes() > storage.bytes())
            throw new IllegalArgumentException("storage of " + storage.bytes() + " bytes cannot hold " + dtype + shape
                    + " at element " + offset);
        this.shape = shape;
        this.dtype = dtype;
        this.storage = storage;
        this.offset = offset;
        this.backend = backend;
    }

    public Shape shape() { return shape; }

    public DType dtype() { return dtype; }

    /** Index of element 0 in the storage, in elements of {@link #dtype()}. */
    public long offset() { return offset; }

    public Storage storage() {
        if (storage.isReleased()) throw new IllegalStateException("tensor " + this + " used after its memory was released");
        return storage;
    }

    public Backend backend() { return backend; }

    public long size() { return shape.size(); }

    public int rank() { return shape.rank(); }

    public int dim(int axis) { return shape.dim(axis); }

    /** A view with the same elements in another shape (no copy). */
    public Tensor reshape(int... dims) { return reshape(Shape.of(dims)); }

    public Tensor reshape(Shape s) {
        if (s.size() != shape.size())
            throw new IllegalArgumentException("reshape: cannot view " + shape + " as " + s);
        return new Tensor(s, dtype, storage, offset, backend);
    }

    /** The contiguous elements {@code [from, from + s.size())} of this tensor, viewed as {@code s}. */
    public Tensor view(long from, Shape s) {
        if (from < 0 || from + s.size() > shape.size())
            throw new IllegalArgumentException("view: elements [" + from + ", " + (from + s.size()) + ") outside " + shape);
        return new Tensor(s, dtype, storage, offset + from, backend);
    }

    /** Rows {@code [from, to)} along the leading axis (examples of a batch), as a view. */
    public Tensor rows(int from, int to) {
        if (shape.rank() < 1 || from < 0 || to > shape.dim(0) || from > to)
            throw new IllegalArgumentException("rows: [" + from + ", " + to + ") outside the leading axis of " + shape);
        long inner = shape.inner(0);
        return new Tensor(shape.withDim(0, to - from), dtype, storage, offset + from * inner, backend);
    }

    /** Whether this tensor and {@code other} are the same elements of the same storage. */
    public boolean sameElements(Tensor other) {
        return storage == other.storage && offset == other.offset && dtype == other.dtype && shape.size() == other.shape.size();
    }

    @Override public String toString() {
        return "Tensor" + (dtype == DType.F32 ? "" : "<" + dtype + ">") + shape + "@" + backend.name();
    }
}
