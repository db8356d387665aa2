package imfengine.autodiff;

import imfengine.tensor.Arena;
import imfengine.tensor.Tensor;

/**
 * A VJP rule that can add an input's cotangent into a tensor the backward pass already has for that
 * input, instead of returning a new one: a product's rule then runs its GEMM with {@code beta = 1}. The
 * pass offers a parameter's gradient buffer, and a cotangent that only that input holds (a layer input
 * that feeds q, k and v gets its three cotangents summed in the GEMMs, with no add over the whole
 * tensor and no temporary of its size).
 */
@FunctionalInterface
public interface AccumulatingBackward extends Backward {
    /**
     * As {@link Backward#apply}; where {@code into[i]} is not null (it has input i's shape) the rule may add
     * input i's cotangent into it and return it (or a view of the same elements) in slot i, or return a
     * new tensor as a plain rule would.
     */
    Tensor[] applyInto(Arena arena, Tensor dOut, boolean[] needs, Tensor[] into);

    @Override
    default Tensor[] apply(Arena arena, Tensor dOut, boolean[] needs) {
        return applyInto(arena, dOut, needs, new Tensor[needs.length]);
    }
}
