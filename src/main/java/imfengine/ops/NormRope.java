package imfengine.ops;

import imfengine.autodiff.AccumulatingBackward;
import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Attention's QK-norm and rotary embedding as one op: {@link RmsNorm} over each head's {@code Dh} channels of
 * {@code x [B, L, heads·Dh]} (weight {@code [Dh]}), then the rotation {@code R} of {@link Rope}. The same values, to
 * the bit, as {@code Rope.apply} of {@code RmsNorm.apply} on the per-head view, with no tensor in between and one
 * backend call each way ({@link Backend#rmsNormRope}, which on the CPU turns each group of rows while it is in L1):
 * <pre>
 *   JVP  ty = R·(the norm's tangent)
 *   VJP  dx, dw = the norm's VJP of Rᵀ·g
 * </pre>
 * A weight with a tangent (never in training; the norm's {@code x·rstd·tw} term) takes the two ops.
 */
public final class NormRope {
    private NormRope() {}

    public static Var apply(Var x, Var weight, float eps, RopeTable table, int heads) {
        Shape xs = x.shape();
        int dh = table.headDim();
        if (xs.rank() < 2 || heads <= 0 || xs.dim(-2) != table.seqLen() || xs.last() != heads * dh
                || weight.shape().rank() != 1 || weight.shape().dim(0) != dh)
            throw new IllegalArgumentException("normRope: x " + xs + " and weight " + weight.shape() + " do not match [B, L="
                    + table.seqLen() + ", heads·Dh=" + heads + "·" + dh + "] and [Dh]");
        if (weight.hasTangent())
            return Rope.apply(Shapes.reshape(RmsNorm.apply(Shapes.reshape(x, xs.splitLast(heads)), weight, eps), xs), table, heads);
        Context cx = Var.contextOf(x, weight);
        Backend be = cx.backend();
        Tensor y = cx.empty(xs), rstd = cx.empty(Shape.of(xs.rows() * heads)), ty = null;
        if (x.hasTangent()) {
            ty = cx.tangents().empty(xs);
            be.rmsNormRopeDual(x.value(), x.tangent(), weight.value(), eps, table.cos(), table.sin(), heads, y, ty, rstd);
        } else {
            be.rmsNormRope(x.value(), weight.value(), eps, table.cos(), table.sin(), heads, y, rstd);
        }
        AccumulatingBackward rule = (arena, g, needs, into) -> {
            boolean addToDx = needs[0] && into[0] != null;
            Tensor dx = addToDx ? into[0] : arena.empty(xs); // the kernel writes dx even when x needs none
            Tensor dw = !needs[1] ? null : into[1] != null ? into[1] : arena.zeros(weight.shape());
            be.rmsNormRopeBackward(x.value(), weight.value(), rstd, table.cos(), table.sin(), heads, g, dx, addToDx, dw);
            return new Tensor[]{needs[0] ? dx : null, dw};
        };
        return Var.result(cx, Op.RMS_NORM_ROPE, y, ty, rule, x, weight);
    }
}
