package imfengine.autodiff;

import imfengine.tensor.Tensor;

/** Where a parameter's gradient accumulates: a persistent buffer (a view of the flat gradient buffer). */
@FunctionalInterface
public interface GradientSink {
    /** The buffer {@link Autodiff#backward} adds this parameter's gradient into ({@code +=}). */
    Tensor gradient();
}
