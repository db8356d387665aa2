package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.tensor.Arena;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Sinusoidal features of per-example scalars: {@code s [B]} (or {@code [B, 1]}) to
 * {@code [B, dim] = [cos(s·f_k) | sin(s·f_k)]}, {@code f_k = exp(−ln(10000)·k/(dim/2))}, s unscaled
 * (cos first, as in the authors' {@code TimestepEmbedder.timestep_embedding}). With
 * {@code φ'(s) = [−f·sin(s·f) | f·cos(s·f)]}:
 * <pre>
 *   JVP  ty = φ'(s) ⊙ ts          (ts broadcast along the row)
 *   VJP  ds = Σ_k g·φ'(s)          (row sums)
 * </pre>
 */
public final class TimestepFeatures {
    public static final float MAX_PERIOD = 10000f;

    private TimestepFeatures() {}

    public static Var of(Var s, int dim) {
        Shape ss = s.shape();
        boolean column = ss.rank() == 2 && ss.dim(1) == 1;
        if (!(ss.rank() == 1 || column) || dim <= 0 || dim % 2 != 0)
            throw new IllegalArgumentException("timestepFeatures: need s [B] or [B, 1] and an even dim, got " + ss + " and dim " + dim);
        int count = ss.dim(0);
        Context cx = Var.contextOf(s);
        Shape out = Shape.of(count, dim);
        Tensor y = cx.empty(out);
        cx.backend().timestepFeatures(s.value(), MAX_PERIOD, false, y);
        Tensor ty = null;
        if (s.hasTangent()) ty = Untaped.mul(cx.tangents(), derivative(cx.tangents(), s, dim), s.tangent().reshape(count, 1));
        return Var.result(cx, Op.TIMESTEP_FEATURES, y, ty, (arena, g, needs) ->
                new Tensor[]{Untaped.sumLastAxis(arena, Untaped.mul(arena, g, derivative(arena, s, dim))).reshape(ss)}, s);
    }

    /** {@code φ'(s) [B, dim]}, recomputed where needed (cheaper to redo than to keep). */
    private static Tensor derivative(Arena arena, Var s, int dim) {
        Tensor d = arena.empty(Shape.of(s.shape().dim(0), dim));
        s.backend().timestepFeatures(s.value(), MAX_PERIOD, true, d);
        return d;
    }
}
