package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.tensor.DType;
import imfengine.tensor.Tensor;

/**
 * Conversion between floating dtypes ({@code F32 ⇄ BF16}; F32 → BF16 rounds to nearest even). Rounding
 * is treated as the identity for derivatives, as mixed-precision training does:
 * <pre>
 *   JVP  ty = cast(tx, to)          (the tangent travels in the result's dtype)
 *   VJP  dx = cast(g, from)         (the cotangent returns in the input's dtype)
 * </pre>
 */
public final class Cast {
    private Cast() {}

    public static Var to(Var x, DType to) {
        DType from = x.value().dtype();
        if (!from.isFloating() || !to.isFloating())
            throw new IllegalArgumentException("cast: only floating dtypes carry gradients, got " + from + " → " + to);
        if (from == to) return x;
        Context cx = Var.contextOf(x);
        Tensor y = convert(cx, x.value(), to);
        Tensor ty = x.hasTangent() ? convert(cx.tangents(), x.tangent(), to) : null;
        return Var.result(cx, Op.CAST, y, ty, (arena, g, needs) -> new Tensor[]{convert(arena, g, from)}, x);
    }

    private static Tensor convert(imfengine.tensor.Arena arena, Tensor x, DType to) {
        Tensor out = arena.empty(x.shape(), to);
        x.backend().cast(x, out);
        return out;
    }
}
