package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Rotary position embedding on {@code x [B, L, heads·Dh]}, per head: adjacent channels
 * {@code (2i, 2i+1)} at position {@code l} rotate as a complex number by {@code θ[l, i]} (see
 * {@link RopeTable}). The map is a rotation R, linear in x:
 * <pre>
 *   JVP  ty = R·tx          (primal and tangent in one kernel pass)
 *   VJP  dx = Rᵀ·g = R(−θ)·g
 * </pre>
 */
public final class Rope {
    private Rope() {}

    public static Var apply(Var x, RopeTable table, int heads) {
        Shape xs = x.shape();
        if (xs.rank() < 2 || heads <= 0 || xs.dim(-2) != table.seqLen() || xs.last() != heads * table.headDim())
            throw new IllegalArgumentException("rope: x " + xs + " does not match [B, L=" + table.seqLen() + ", heads·Dh="
                    + heads + "·" + table.headDim() + "]");
        Context cx = Var.contextOf(x);
        Backend be = cx.backend();
        Tensor y = cx.empty(xs), ty = null;
        if (x.hasTangent()) {
            ty = cx.tangents().empty(xs);
            be.ropeDual(x.value(), x.tangent(), table.cos(), table.sin(), heads, y, ty);
        } else {
            be.rope(x.value(), table.cos(), table.sin(), heads, false, y);
        }
        return Var.result(cx, Op.ROPE, y, ty, (arena, g, needs) -> {
            Tensor dx = arena.empty(xs);
            be.rope(g, table.cos(), table.sin(), heads, true, dx);
            return new Tensor[]{dx};
        }, x);
    }
}
