package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.GradientSink;
import imfengine.autodiff.Var;
import imfengine.tensor.Tensor;

/**
 * A trainable tensor with its dotted name (e.g. {@code net.shared_blocks.0.attn.q_proj.weight}). Once
 * its model is built, the value and the gradient are views of the model's flat buffers
 * ({@link ParameterStore}); the optimizer updates the values in place and clears the gradients of all
 * parameters at once. A forward binds it to its context with {@link #in}.
 */
public final class Parameter implements GradientSink {
    private final String name;
    private Tensor value, gradient;

    Parameter(String name, Tensor value) {
        this.name = name;
        this.value = value;
    }

    public String name() { return name; }

    /** This parameter as a leaf of {@code cx}: gradients reaching it are added into {@link #gradient()}. */
    public Var in(Context cx) {
        if (gradient == null) throw new IllegalStateException("parameter " + name + " is not in a parameter store yet");
        return cx.parameter(value, this);
    }

    public Tensor value() { return value; }

    /** The gradient buffer ({@code +=} by the backward pass, zeroed by the optimizer). */
    @Override public Tensor gradient() { return gradient; }

    /** Re-points this parameter at its views of the flat buffers. */
    void bind(Tensor value, Tensor gradient) {
        this.value = value;
        this.gradient = gradient;
    }

    @Override public String toString() { return name + value.shape(); }
}
