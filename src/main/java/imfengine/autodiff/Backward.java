package imfengine.autodiff;

import imfengine.tensor.Tensor;

/**
 * An op's VJP rule, recorded on the tape with its forward: given the cotangent of the output,
 * return the cotangent of each input (an entry may be null where {@code needs[i]} is false).
 */
@FunctionalInterface
public interface Backward {
    Tensor[] apply(Tensor dOut, boolean[] needs);
}
