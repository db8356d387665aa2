package imfengine.ops;

import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.GemmSpec;
import imfengine.backend.UnaryOp;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Eager tensor arithmetic for writing JVP and VJP rules: each call allocates its result in the
 * current memory scope and runs one backend kernel. No tape, no tangents.
 */
public final class Calc {
    private Calc() {}

    /** {@code a ∘ b} with {@code b} broadcast over {@code a}. */
    public static Tensor binary(String op, BinaryOp kind, Tensor a, Tensor b) {
        Broadcast bc = Broadcast.of(op, a.shape(), b.shape());
        Tensor out = a.backend().empty(a.shape());
        a.backend().binary(kind, a, b, bc, out);
        return out;
    }

    public static Tensor add(Tensor a, Tensor b) { return binary("add", BinaryOp.ADD, a, b); }

    public static Tensor sub(Tensor a, Tensor b) { return binary("sub", BinaryOp.SUB, a, b); }

    public static Tensor mul(Tensor a, Tensor b) { return binary("mul", BinaryOp.MUL, a, b); }

    public static Tensor div(Tensor a, Tensor b) { return binary("div", BinaryOp.DIV, a, b); }

    /** {@code alpha·x + beta·y} (y may be null). */
    public static Tensor axpby(float alpha, Tensor x, float beta, Tensor y) {
        Tensor out = x.backend().empty(x.shape());
        x.backend().axpby(alpha, x, beta, y, out);
        return out;
    }

    public static Tensor scale(Tensor x, float alpha) { return axpby(alpha, x, 0f, null); }

    /** Sum of two possibly-null tangents (null is zero). */
    public static Tensor addNullable(Tensor a, Tensor b) {
        if (a == null) return b;
        if (b == null) return a;
        return add(a, b);
    }

    public static Tensor unary(UnaryOp op, Tensor x) {
        Tensor out = x.backend().empty(x.shape());
        x.backend().unary(op, x, out);
        return out;
    }

    /** {@code g·f'(x)}. */
    public static Tensor unaryDerivative(UnaryOp op, Tensor x, Tensor y, Tensor g) {
        Tensor out = x.backend().empty(x.shape());
        x.backend().unaryDerivative(op, x, y, g, out);
        return out;
    }

    /** {@code b} repeated to {@code shape} (the broadcast itself, materialised). */
    public static Tensor expand(Tensor b, Shape shape) {
        if (b.shape().equals(shape)) return b;
        Backend be = b.backend();
        Tensor zero = be.zeros(shape);
        be.binary(BinaryOp.ADD, zero, b, Broadcast.of("expand", shape, b.shape()), zero);
        return zero;
    }

    /** The adjoint of broadcasting to {@code g}'s shape: sums {@code g} down to {@code target}. */
    public static Tensor reduceTo(Tensor g, Shape target) {
        if (g.shape().equals(target)) return g;
        Tensor out = g.backend().empty(target);
        g.backend().reduceBroadcast(g, Broadcast.of("reduce", g.shape(), target), out);
        return out;
    }

    /** Row sums over the last axis, keeping it as size 1. */
    public static Tensor sumLastAxis(Tensor x) {
        Tensor out = x.backend().empty(x.shape().withDim(-1, 1));
        x.backend().sumLastAxis(x, out);
        return out;
    }

    /**
     * {@code op(a)·op(b)} over the last two axes, {@code a}'s leading axes flattened into rows when
     * {@code b} is a matrix, or batched when both have the same leading axes.
     */
    public static Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        MatmulShape ms = MatmulShape.of(a.shape(), transA, b.shape(), transB);
        Tensor c = a.backend().empty(ms.out());
        a.backend().gemm(ms.spec(1f, 0f), a, b, c);
        return c;
    }

    /** {@code c += op(a)·op(b)}. */
    public static void matmulAccumulate(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c) {
        MatmulShape ms = MatmulShape.of(a.shape(), transA, b.shape(), transB);
        a.backend().gemm(ms.spec(1f, 1f), a, b, c);
    }

    public static Tensor permute(Tensor x, int[] perm) {
        int[] d = x.shape().dims(), od = new int[d.length];
        for (int i = 0; i < d.length; i++) od[i] = d[perm[i]];
        Tensor out = x.backend().empty(Shape.of(od));
        x.backend().permute(x, perm, out);
        return out;
    }
}
