package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.UnaryOp;
import imfengine.tensor.Tensor;

/**
 * Elementwise functions {@code y = f(x)}: exp, silu, sigmoid, square, rsqrt, log. One rule serves all:
 * JVP {@code ty = f'(x)·tx} and VJP {@code dx = f'(x)·g}, both by the backend's derivative kernel.
 */
public final class Activations {
    private Activations() {}

    public static Var exp(Var x) { return unary(UnaryOp.EXP, x); }

    public static Var silu(Var x) { return unary(UnaryOp.SILU, x); }

    public static Var sigmoid(Var x) { return unary(UnaryOp.SIGMOID, x); }

    public static Var square(Var x) { return unary(UnaryOp.SQUARE, x); }

    public static Var rsqrt(Var x) { return unary(UnaryOp.RSQRT, x); }

    public static Var log(Var x) { return unary(UnaryOp.LOG, x); }

    public static Var unary(UnaryOp op, Var x) {
        Context cx = Var.contextOf(x);
        Tensor y = Untaped.unary(cx, op, x.value());
        Tensor ty = x.hasTangent() ? Untaped.unaryDerivative(cx.tangents(), op, x.value(), y, x.tangent()) : null;
        return Var.result(cx, Op.of(op), y, ty,
                (arena, g, needs) -> new Tensor[]{Untaped.unaryDerivative(arena, op, x.value(), y, g)}, x);
    }
}
