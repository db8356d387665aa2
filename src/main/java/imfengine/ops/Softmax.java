package imfengine.ops;

import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Tensor;

/**
 * Softmax over the last axis, {@code y = exp(x − max x) / Σ exp(x − max x)} per row.
 * JVP {@code ty = y ⊙ (tx − Σ y·tx)}, computed with the primal in one fused kernel when {@code x}
 * has a tangent; VJP {@code dx = y ⊙ (g − Σ y·g)} (the Jacobian is symmetric). Saves only {@code y}.
 */
public final class Softmax {
    private Softmax() {}

    public static Var lastAxis(Var x) {
        if (x.shape().rank() < 1)
            throw new IllegalArgumentException("softmax: need rank >= 1 but got " + x.shape());
        Backend be = x.backend();
        Tensor y = be.empty(x.shape());
        Tensor ty = null;
        if (x.hasTangent()) {
            ty = be.empty(x.shape());
            be.softmaxDual(x.value(), x.tangent(), y, ty);
        } else {
            be.softmax(x.value(), y);
        }
        return Var.result("softmax", y, ty, (g, needs) -> {
            Tensor dx = be.empty(y.shape());
            be.softmaxBackward(y, g, dx);
            return new Tensor[]{dx};
        }, x);
    }
}
