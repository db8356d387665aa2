package imfengine.tensor;

import imfengine.backend.Backend;

/**
 * Where new tensors come from, and so who releases them: a computation's context hands out arenas for
 * its values and its tangents, and everything allocated from one is released together (see
 * {@code imfengine.autodiff.Context}). Contents of a fresh tensor are undefined unless said otherwise.
 */
public interface Arena {
    Backend backend();

    /** Uninitialised storage for {@code shape} elements of {@code dtype}, owned by this arena. */
    Tensor empty(Shape shape, DType dtype);

    default Tensor empty(Shape shape) { return empty(shape, DType.F32); }

    default Tensor zeros(Shape shape, DType dtype) {
        Tensor t = empty(shape, dtype);
        backend().fill(t, 0);
        return t;
    }

    default Tensor zeros(Shape shape) { return zeros(shape, DType.F32); }

    /** A tensor of {@code shape} with every element {@code value} (converted to {@code dtype}). */
    default Tensor full(Shape shape, DType dtype, double value) {
        Tensor t = empty(shape, dtype);
        backend().fill(t, value);
        return t;
    }

    default Tensor full(Shape shape, double value) { return full(shape, DType.F32, value); }
}
