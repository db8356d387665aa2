package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Tensor;

/**
 * The SwiGLU gate {@code y = silu(a) ⊙ b}, fused (the MLP is {@code W2·gate(W1·x, W3·x)}).
 * <pre>
 *   JVP  ty = silu'(a)·ta·b + silu(a)·tb
 *   VJP  da = g·b·silu'(a),   db = g·silu(a)
 * </pre>
 */
public final class SwiGlu {
    private SwiGlu() {}

    public static Var gate(Var a, Var b) {
        if (!a.shape().equals(b.shape()))
            throw new IllegalArgumentException("swiglu: gate " + a.shape() + " and value " + b.shape() + " must have the same shape");
        Context cx = Var.contextOf(a, b);
        Backend be = cx.backend();
        Tensor y = cx.empty(a.shape()), ty = null;
        if (a.hasTangent() || b.hasTangent()) {
            ty = cx.tangents().empty(a.shape());
            Tensor ta = a.hasTangent() ? a.tangent() : cx.tangents().zeros(a.shape());
            Tensor tb = b.hasTangent() ? b.tangent() : cx.tangents().zeros(b.shape());
            be.swigluDual(a.value(), ta, b.value(), tb, y, ty);
        } else {
            be.swiglu(a.value(), b.value(), y);
        }
        return Var.result(cx, Op.SWIGLU, y, ty, (arena, g, needs) -> {
            Tensor da = arena.empty(a.shape()), db = arena.empty(b.shape());
            be.swigluBackward(a.value(), b.value(), g, da, db);
            return new Tensor[]{needs[0] ? da : null, needs[1] ? db : null};
        }, a, b);
    }
}
