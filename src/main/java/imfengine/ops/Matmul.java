package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.tensor.Arena;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Matrix products: plain, transposed and batched ({@link MatmulShape}), and {@code linear},
 * the {@code x·Wᵀ} of a Linear layer with weights stored {@code [out, in]}.
 * JVP {@code ta·b + a·tb}; VJP {@code da = g·bᵀ}, {@code db = aᵀ·g} (transposes folded into the GEMM).
 */
public final class Matmul {
    private Matmul() {}

    public static Var matmul(Var a, Var b) { return matmul(a, false, b, false); }

    /** {@code op(a)·op(b)}, where {@code op} transposes the last two axes when asked. */
    public static Var matmul(Var a, boolean transA, Var b, boolean transB) {
        MatmulShape ms = MatmulShape.of(a.shape(), transA, b.shape(), transB);
        Context cx = Var.contextOf(a, b);
        Tensor y = Untaped.matmul(cx, a.value(), transA, b.value(), transB);
        Tensor ty = null;
        if (a.hasTangent()) ty = Untaped.matmul(cx.tangents(), a.tangent(), transA, b.value(), transB);
        if (b.hasTangent()) {
            if (ty == null) ty = Untaped.matmul(cx.tangents(), a.value(), transA, b.tangent(), transB);
            else Untaped.matmulAccumulate(a.value(), transA, b.tangent(), transB, ty);
        }
        return Var.result(cx, Op.MATMUL, y, ty, (arena, g, needs) -> new Tensor[]{
                needs[0] ? gradA(arena, a.value().shape(), transA, b.value(), transB, g, ms) : null,
                needs[1] ? gradB(arena, a.value(), transA, b.value().shape(), transB, g, ms) : null}, a, b);
    }

    /** {@code x·Wᵀ (+ bias)} with {@code W [out, in]}, {@code x [..., in]}. */
    public static Var linear(Var x, Var weight, Var bias) {
        if (weight.shape().rank() != 2 || x.shape().last() != weight.shape().dim(1))
            throw new IllegalArgumentException("linear: input " + x.shape() + " does not match weight " + weight.shape()
                    + " (expected [..., " + (weight.shape().rank() == 2 ? weight.shape().dim(1) : "in") + "])");
        Var y = matmul(x, false, weight, true);
        return bias == null ? y : Arithmetic.add(y, bias);
    }

    // dA: for op(A) = A: dA = g·op(B)ᵀ; for op(A) = Aᵀ: dA = op(B)·gᵀ.
    private static Tensor gradA(Arena arena, Shape aShape, boolean transA, Tensor b, boolean transB, Tensor g, MatmulShape ms) {
        if (ms.batch() == 1 && b.shape().rank() == 2 && !transA) {
            Tensor g2 = g.reshape(ms.m(), ms.n());
            return Untaped.matmul(arena, g2, false, b, !transB).reshape(aShape);
        }
        return transA ? Untaped.matmul(arena, b, transB, g, true) : Untaped.matmul(arena, g, false, b, !transB);
    }

    // dB: for op(B) = B: dB = op(A)ᵀ·g; for op(B) = Bᵀ: dB = gᵀ·op(A).
    private static Tensor gradB(Arena arena, Tensor a, boolean transA, Shape bShape, boolean transB, Tensor g, MatmulShape ms) {
        if (bShape.rank() == 2 && !transA) { // A's leading axes were flattened into rows
            Tensor a2 = a.reshape(ms.m(), ms.k()), g2 = g.reshape(ms.m(), ms.n());
            return transB ? Untaped.matmul(arena, g2, true, a2, false) : Untaped.matmul(arena, a2, true, g2, false);
        }
        return transB ? Untaped.matmul(arena, g, true, a, transA) : Untaped.matmul(arena, a, !transA, g, false);
    }
}
