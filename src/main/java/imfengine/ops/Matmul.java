package imfengine.ops;

import imfengine.autodiff.AccumulatingBackward;
import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.GemmSpec;
import imfengine.tensor.Arena;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Matrix products: plain, transposed and batched ({@link MatmulShape}), and {@code linear},
 * the {@code x·Wᵀ} of a Linear layer with weights stored {@code [out, in]}.
 * JVP {@code ta·b + a·tb}; VJP {@code da = g·bᵀ}, {@code db = aᵀ·g} (transposes folded into the GEMM), each
 * added by its GEMM ({@code beta = 1}) into a cotangent or gradient buffer the backward pass already has.
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
        return result(cx, a, transA, b, transB, ms, y, ty);
    }

    /** The Var of {@code op(a)·op(b)} whose value {@code y} (and tangent {@code ty}) are computed: its place on the tape. */
    private static Var result(Context cx, Var a, boolean transA, Var b, boolean transB, MatmulShape ms, Tensor y, Tensor ty) {
        AccumulatingBackward rule = (arena, g, needs, into) -> new Tensor[]{
                needs[0] ? gradA(arena, a.value().shape(), transA, b.value(), transB, g, ms, into[0]) : null,
                needs[1] ? gradB(arena, a.value(), transA, b.value().shape(), transB, g, ms, into[1]) : null};
        return Var.result(cx, Op.MATMUL, y, ty, rule, a, b);
    }

    /** {@code x·Wᵀ (+ bias)} with {@code W [out, in]}, {@code x [..., in]}. */
    public static Var linear(Var x, Var weight, Var bias) {
        checkLinear(x, weight);
        Var y = matmul(x, false, weight, true);
        return bias == null ? y : Arithmetic.add(y, bias);
    }

    /**
     * {@code x·W_iᵀ} for each of {@code weights} (bias-free {@link #linear}s of one input: q, k and v; SwiGLU's two), in
     * one backend call that may read {@code x} once for all of them ({@link imfengine.backend.Backend#gemmSharedA}).
     * Each result is the Var {@code linear(x, W_i, null)} gives, the same values, tangents and gradients.
     */
    public static Var[] linears(Var x, Var... weights) {
        for (Var w : weights) checkLinear(x, w);
        Var[] out = new Var[weights.length];
        boolean weightTangents = false;
        for (Var w : weights) weightTangents |= w.hasTangent();
        if (weightTangents) { // not in the model (parameters have no tangents): one product each
            for (int i = 0; i < weights.length; i++) out[i] = matmul(x, false, weights[i], true);
            return out;
        }
        Var[] inputs = new Var[weights.length + 1];
        inputs[0] = x;
        System.arraycopy(weights, 0, inputs, 1, weights.length);
        Context cx = Var.contextOf(inputs);
        MatmulShape[] shapes = new MatmulShape[weights.length];
        for (int i = 0; i < weights.length; i++) shapes[i] = MatmulShape.of(x.shape(), false, weights[i].shape(), true);
        Tensor[] ys = products(cx, x.value(), weights, shapes);
        Tensor[] tys = x.hasTangent() ? products(cx.tangents(), x.tangent(), weights, shapes) : null;
        for (int i = 0; i < weights.length; i++) out[i] = result(cx, x, false, weights[i], true, shapes[i], ys[i], tys == null ? null : tys[i]);
        return out;
    }

    /** {@code x·W_iᵀ} for each weight (product shapes {@code shapes}), new in {@code arena}, in one {@code gemmSharedA} call. */
    private static Tensor[] products(Arena arena, Tensor x, Var[] weights, MatmulShape[] shapes) {
        int n = weights.length;
        GemmSpec[] specs = new GemmSpec[n];
        Tensor[] b = new Tensor[n], c = new Tensor[n];
        for (int i = 0; i < n; i++) {
            specs[i] = shapes[i].spec(1f, 0f);
            b[i] = weights[i].value();
            c[i] = arena.empty(shapes[i].out());
        }
        x.backend().gemmSharedA(specs, x, b, c);
        return c;
    }

    private static void checkLinear(Var x, Var weight) {
        if (weight.shape().rank() != 2 || x.shape().last() != weight.shape().dim(1))
            throw new IllegalArgumentException("linear: input " + x.shape() + " does not match weight " + weight.shape()
                    + " (expected [..., " + (weight.shape().rank() == 2 ? weight.shape().dim(1) : "in") + "])");
    }

    // dA: for op(A) = A: dA = g·op(B)ᵀ; for op(A) = Aᵀ: dA = op(B)·gᵀ.
    private static Tensor gradA(Arena arena, Shape aShape, boolean transA, Tensor b, boolean transB, Tensor g, MatmulShape ms, Tensor into) {
        if (ms.batch() == 1 && b.shape().rank() == 2 && !transA) {
            Tensor g2 = g.reshape(ms.m(), ms.n());
            return product(arena, g2, false, b, !transB, into).reshape(aShape);
        }
        return transA ? product(arena, b, transB, g, true, into) : product(arena, g, false, b, !transB, into);
    }

    // dB: for op(B) = B: dB = op(A)ᵀ·g; for op(B) = Bᵀ: dB = gᵀ·op(A).
    private static Tensor gradB(Arena arena, Tensor a, boolean transA, Shape bShape, boolean transB, Tensor g, MatmulShape ms, Tensor into) {
        if (bShape.rank() == 2 && !transA) { // A's leading axes were flattened into rows
            Tensor a2 = a.reshape(ms.m(), ms.k()), g2 = g.reshape(ms.m(), ms.n());
            return transB ? product(arena, g2, true, a2, false, into) : product(arena, a2, true, g2, false, into);
        }
        return transB ? product(arena, g, true, a, transA, into) : product(arena, a, !transA, g, false, into);
    }

    /** {@code op(x)·op(y)}: added into {@code into} (the same elements in the product's shape) when given, else new. */
    private static Tensor product(Arena arena, Tensor x, boolean tx, Tensor y, boolean ty, Tensor into) {
        if (into == null) return Untaped.matmul(arena, x, tx, y, ty);
        Tensor c = into.reshape(MatmulShape.of(x.shape(), tx, y.shape(), ty).out());
        Untaped.matmulAccumulate(x, tx, y, ty, c);
        return c;
    }
}
