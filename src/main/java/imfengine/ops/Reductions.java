package imfengine.ops;

import imfengine.autodiff.Var;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/** Sum and mean over the last axis (kept as size 1) and over all elements (shape [1]). */
public final class Reductions {
    private Reductions() {}

    /** {@code y[r, 0] = Σ_j x[r, j]}. JVP: the same sum of {@code tx}; VJP: {@code g} broadcast along the row. */
    public static Var sumLastAxis(Var x) {
        requireRank("sum", x, 1);
        Tensor y = Calc.sumLastAxis(x.value());
        Tensor ty = x.hasTangent() ? Calc.sumLastAxis(x.tangent()) : null;
        return Var.result("sum", y, ty, (g, needs) -> new Tensor[]{Calc.expand(g, x.shape())}, x);
    }

    public static Var meanLastAxis(Var x) {
        requireRank("mean", x, 1);
        return Arithmetic.scale(sumLastAxis(x), 1f / x.shape().last());
    }

    /** {@code y[0] = Σ x}. */
    public static Var sumAll(Var x) {
        Tensor y = sumAllTensor(x.value());
        Tensor ty = x.hasTangent() ? sumAllTensor(x.tangent()) : null;
        return Var.result("sumAll", y, ty, (g, needs) -> new Tensor[]{Calc.expand(g, x.shape())}, x);
    }

    public static Var meanAll(Var x) {
        return Arithmetic.scale(sumAll(x), (float) (1.0 / x.value().size()));
    }

    private static Tensor sumAllTensor(Tensor x) {
        Tensor out = x.backend().empty(Shape.of(1));
        x.backend().sumAll(x, out);
        return out;
    }

    private static void requireRank(String op, Var x, int min) {
        if (x.shape().rank() < min) throw new IllegalArgumentException(op + ": wrong rank, need >= " + min + " but got " + x.shape());
    }
}
