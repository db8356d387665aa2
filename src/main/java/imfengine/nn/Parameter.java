package imfengine.nn;

import imfengine.autodiff.Var;
import imfengine.tensor.Tensor;

/**
 * A trainable tensor with its dotted name (e.g. {@code net.shared_blocks.0.attn.q_proj.weight}).
 * Its {@link Var} lives as long as the model; the optimizer updates the tensor in place and the
 * gradient is cleared before each step.
 */
public final class Parameter {
    private final String name;
    private final Var var;

    Parameter(String name, Tensor value) {
        this.name = name;
        this.var = Var.parameter(value);
    }

    public String name() { return name; }

    public Var var() { return var; }

    public Tensor value() { return var.value(); }

    public Tensor grad() { return var.grad(); }

    @Override public String toString() { return name + value().shape(); }
}
