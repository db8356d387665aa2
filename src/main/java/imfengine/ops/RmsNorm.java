package imfengine.ops;

import imfengine.autodiff.AccumulatingBackward;
import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * RMSNorm over the last axis, fused: {@code y = x·rstd·w}, {@code rstd = 1/√(mean(x²) + eps)}, weight
 * {@code w [D]}. The per-row {@code rstd} saved by the forward kernel is the only state the VJP needs.
 * <pre>
 *   JVP  ty = w·rstd·(tx − x·rstd²·mean(x·tx)) + x·rstd·tw
 *   VJP  dx = rstd·(w·g − x·rstd²·mean(w·g·x)),   dw = Σ_rows g·x·rstd
 * </pre>
 * The VJP adds {@code dx} into a cotangent the backward pass already holds for {@code x} (a block's input
 * also takes the residual's pass-through: no separate add over the stream) and {@code dw} into the
 * weight's gradient buffer.
 */
public final class RmsNorm {
    private RmsNorm() {}

    public static Var apply(Var x, Var weight, float eps) {
        Shape xs = x.shape();
        if (xs.rank() < 1 || weight.shape().rank() != 1 || weight.shape().dim(0) != xs.last())
            throw new IllegalArgumentException("rmsNorm: weight " + weight.shape() + " does not match the last axis of x " + xs);
        Context cx = Var.contextOf(x, weight);
        Backend be = cx.backend();
        Tensor y = cx.empty(xs), rstd = cx.empty(Shape.of(xs.rows()));
        Tensor ty = null;
        if (x.hasTangent()) {
            ty = cx.tangents().empty(xs);
            be.rmsNormDual(x.value(), x.tangent(), weight.value(), eps, y, ty, rstd);
        } else {
            be.rmsNorm(x.value(), weight.value(), eps, y, rstd);
        }
        if (weight.hasTangent()) { // x·rstd·tw: the same kernel with tw as the weight
            Tensor tw = cx.tangents().empty(xs), unused = cx.tangents().empty(rstd.shape());
            be.rmsNorm(x.value(), weight.tangent(), eps, tw, unused);
            ty = ty == null ? tw : Untaped.add(cx.tangents(), ty, tw);
        }
        AccumulatingBackward rule = (arena, g, needs, into) -> {
            boolean addToDx = needs[0] && into[0] != null;
            Tensor dx = addToDx ? into[0] : arena.empty(xs); // the kernel writes dx even when x needs none
            Tensor dw = !needs[1] ? null : into[1] != null ? into[1] : arena.zeros(weight.shape());
            be.rmsNormBackward(x.value(), weight.value(), rstd, g, dx, addToDx, dw);
            return new Tensor[]{needs[0] ? dx : null, dw};
        };
        return Var.result(cx, Op.RMS_NORM, y, ty, rule, x, weight);
    }
}
