package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
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
        Context cx = Var.contextOf(x);
        Backend be = cx.backend();
        Tensor y = cx.empty(x.shape());
        Tensor ty = null;
        if (x.hasTangent()) {
            ty = cx.tangents().empty(x.shape());
            be.softmaxDual(x.value(), x.tangent(), y, ty);
        } else {
            be.softmax(x.value(), y);
        }
        return Var.result(cx, Op.SOFTMAX, y, ty, (arena, g, needs) -> {
            Tensor dx = arena.empty(y.shape());
            be.softmaxBackward(y, g, dx);
            return new Tensor[]{dx};
        }, x);
    }
}
