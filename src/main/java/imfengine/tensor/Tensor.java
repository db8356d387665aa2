package imfengine.tensor;

import imfengine.backend.Backend;

/**
 * A float32 tensor: a shape over contiguous row-major storage owned by a backend. A tensor is a
 * handle with no math of its own; kernels live in {@link Backend}. Views made by
 * {@link #reshape} share storage.
 */
public final class Tensor {
    private final Shape shape;
    private final Storage storage;
    private final Backend backend;

    public Tensor(Shape shape, Storage storage, Backend backend) {
        if (storage.floats() < shape.size())
            throw new IllegalArgumentException("storage of " + storage.floats() + " floats cannot hold shape " + shape);
        this.shape = shape;
        this.storage = storage;
        this.backend = backend;
    }

    public Shape shape() { return shape; }

    public Storage storage() {
        if (storage.isReleased()) throw new IllegalStateException("tensor " + shape + " used after its memory scope closed");
        return storage;
    }

    public Backend backend() { return backend; }

    public long size() { return shape.size(); }

    public int rank() { return shape.rank(); }

    public int dim(int axis) { return shape.dim(axis); }

    /** A view with the same elements in another shape (no copy). */
    public Tensor reshape(int... dims) {
        Shape s = Shape.of(dims);
        if (s.size() != shape.size())
            throw new IllegalArgumentException("reshape: cannot view " + shape + " as " + s);
        return new Tensor(s, storage, backend);
    }

    @Override public String toString() { return "Tensor" + shape + "@" + backend.name(); }
}
