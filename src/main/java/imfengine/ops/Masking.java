package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.Broadcast;
import imfengine.tensor.Arena;
import imfengine.tensor.Tensor;

/** Selection by a constant mask, and the stop-gradient. */
public final class Masking {
    private Masking() {}

    /**
     * {@code y = mask ? a : b}, where {@code mask} (F32, nonzero = true, no gradient) broadcasts over
     * {@code a} (e.g. one flag per example). {@code a} and {@code b} have the same shape.
     */
    public static Var where(Tensor mask, Var a, Var b) {
        if (!a.shape().equals(b.shape()))
            throw new IllegalArgumentException("where: shapes " + a.shape() + " and " + b.shape() + " differ");
        Broadcast bc = Broadcast.of("where", a.shape(), mask.shape());
        Context cx = Var.contextOf(a, b);
        Tensor y = select(cx, mask, bc, a.value(), b.value());
        Tensor ty = null;
        if (a.hasTangent() || b.hasTangent()) {
            Arena tangents = cx.tangents();
            Tensor ta = a.hasTangent() ? a.tangent() : tangents.zeros(a.shape());
            Tensor tb = b.hasTangent() ? b.tangent() : tangents.zeros(b.shape());
            ty = select(tangents, mask, bc, ta, tb);
        }
        return Var.result(cx, Op.WHERE, y, ty, (arena, g, needs) -> {
            Tensor zero = arena.zeros(g.shape());
            return new Tensor[]{
                    needs[0] ? select(arena, mask, bc, g, zero) : null,
                    needs[1] ? select(arena, mask, bc, zero, g) : null};
        }, a, b);
    }

    /** The same primal with no gradient and zero tangent ({@code jax.lax.stop_gradient}). */
    public static Var stopGradient(Var x) {
        return x.detach();
    }

    /** {@code mask ? a : b} as a new tensor of {@code arena} (any dtype; mask broadcast as {@code bc} says). */
    public static Tensor select(Arena arena, Tensor mask, Broadcast bc, Tensor a, Tensor b) {
        Tensor out = arena.empty(a.shape(), a.dtype());
        a.backend().where(mask, bc, a, b, out);
        return out;
    }
}
