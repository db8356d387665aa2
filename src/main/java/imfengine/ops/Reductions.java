package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.tensor.Tensor;

/** Sum and mean over the last axis (kept as size 1) and over all elements (shape [1]). */
public final class Reductions {
    private Reductions() {}

    /** {@code y[r, 0] = Σ_j x[r, j]}. JVP: the same sum of {@code tx}; VJP: {@code g} broadcast along the row. */
    public static Var sumLastAxis(Var x) {
        requireRank("sum", x, 1);
        Context cx = Var.contextOf(x);
        Tensor y = Untaped.sumLastAxis(cx, x.value());
        Tensor ty = x.hasTangent() ? Untaped.sumLastAxis(cx.tangents(), x.tangent()) : null;
        return Var.result(cx, Op.SUM, y, ty, (arena, g, needs) -> new Tensor[]{Untaped.expand(arena, g, x.shape())}, x);
    }

    public static Var meanLastAxis(Var x) {
        requireRank("mean", x, 1);
        return Arithmetic.scale(sumLastAxis(x), 1f / x.shape().last());
    }

    /** {@code y[0] = Σ x}. */
    public static Var sumAll(Var x) {
        Context cx = Var.contextOf(x);
        Tensor y = Untaped.sumAll(cx, x.value());
        Tensor ty = x.hasTangent() ? Untaped.sumAll(cx.tangents(), x.tangent()) : null;
        return Var.result(cx, Op.SUM_ALL, y, ty, (arena, g, needs) -> new Tensor[]{Untaped.expand(arena, g, x.shape())}, x);
    }

    public static Var meanAll(Var x) {
        return Arithmetic.scale(sumAll(x), (float) (1.0 / x.value().size()));
    }

    private static void requireRank(String op, Var x, int min) {
        if (x.shape().rank() < min) throw new IllegalArgumentException(op + ": wrong rank, need >= " + min + " but got " + x.shape());
    }
}
