package imfengine.autodiff;

import imfengine.tensor.Arena;
import imfengine.tensor.Tensor;

/**
 * An op's VJP rule, recorded on the tape with its forward: given the cotangent of the output, return
 * the cotangent of each input (an entry may be null where {@code needs[i]} is false). New tensors come
 * from {@code arena}, the backward pass's own; a rule may also return {@code dOut} itself or a view of it.
 */
@FunctionalInterface
public interface Backward {
    Tensor[] apply(Arena arena, Tensor dOut, boolean[] needs);
}
