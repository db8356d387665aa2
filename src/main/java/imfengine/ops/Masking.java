package imfengine.ops;

import imfengine.autodiff.Var;
import imfengine.backend.Broadcast;
import imfengine.tensor.Tensor;

/** Selection by a constant mask, and the stop-gradient. */
public final class Masking {
    private Masking() {}

    /**
     * {@code y = mask ? a : b}, where {@code mask} (nonzero = true, no gradient) broadcasts over
     * {@code a} (e.g. one flag per example). {@code a} and {@code b} have the same shape.
     */
    public static Var where(Tensor mask, Var a, Var b) {
        if (!a.shape().equals(b.shape()))
            throw new IllegalArgumentException("where: shapes " + a.shape() + " and " + b.shape() + " differ");
        Broadcast bc = Broadcast.of("where", a.shape(), mask.shape());
        Tensor y = select(mask, bc, a.value(), b.value());
        Tensor ty = null;
        if (a.hasTangent() || b.hasTangent()) {
            Tensor ta = a.hasTangent() ? a.tangent() : a.backend().zeros(a.shape());
            Tensor tb = b.hasTangent() ? b.tangent() : b.backend().zeros(b.shape());
            ty = select(mask, bc, ta, tb);
        }
        return Var.result("where", y, ty, (g, needs) -> {
            Tensor zero = g.backend().zeros(g.shape());
            return new Tensor[]{
                    needs[0] ? select(mask, bc, g, zero) : null,
                    needs[1] ? select(mask, bc, zero, g) : null};
        }, a, b);
    }

    /** The same primal with no gradient and zero tangent ({@code jax.lax.stop_gradient}). */
    public static Var stopGradient(Var x) {
        return Var.constant(x.value());
    }

    private static Tensor select(Tensor mask, Broadcast bc, Tensor a, Tensor b) {
        Tensor out = a.backend().empty(a.shape());
        a.backend().where(mask, bc, a, b, out);
        return out;
    }
}
