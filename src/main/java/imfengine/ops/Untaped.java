package imfengine.ops;

import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.UnaryOp;
import imfengine.tensor.Arena;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Tensor arithmetic that records nothing: no tape, no tangents. It is what JVP and VJP rules, and the
 * stop-gradient parts of the objective, are written in. Each call allocates its result from the given
 * arena and runs one backend kernel.
 */
public final class Untaped {
    private Untaped() {}

    /** {@code a ∘ b} with {@code b} broadcast over {@code a}. */
    public static Tensor binary(Arena arena, BinaryOp op, Tensor a, Tensor b) {
        Broadcast bc = Broadcast.of(op.name().toLowerCase(), a.shape(), b.shape());
        Tensor out = arena.empty(a.shape());
        a.backend().binary(op, a, b, bc, out);
        return out;
    }

    public static Tensor add(Arena arena, Tensor a, Tensor b) { return binary(arena, BinaryOp.ADD, a, b); }

    public static Tensor sub(Arena arena, Tensor a, Tensor b) { return binary(arena, BinaryOp.SUB, a, b); }

    public static Tensor mul(Arena arena, Tensor a, Tensor b) { return binary(arena, BinaryOp.MUL, a, b); }

    public static Tensor div(Arena arena, Tensor a, Tensor b) { return binary(arena, BinaryOp.DIV, a, b); }

    /** {@code alpha·x + beta·y} (y may be null). */
    public static Tensor axpby(Arena arena, float alpha, Tensor x, float beta, Tensor y) {
        Tensor out = arena.empty(x.shape());
        x.backend().axpby(alpha, x, beta, y, out);
        return out;
    }

    public static Tensor scale(Arena arena, Tensor x, float alpha) { return axpby(arena, alpha, x, 0f, null); }

    /** Sum of two possibly-null tangents (null is zero). */
    public static Tensor addNullable(Arena arena, Tensor a, Tensor b) {
        if (a == null) return b;
        if (b == null) return a;
        return add(arena, a, b);
    }

    public static Tensor unary(Arena arena, UnaryOp op, Tensor x) {
        Tensor out = arena.empty(x.shape());
        x.backend().unary(op, x, out);
        return out;
    }

    /** {@code g·f'(x)}. */
    public static Tensor unaryDerivative(Arena arena, UnaryOp op, Tensor x, Tensor y, Tensor g) {
        Tensor out = arena.empty(x.shape());
        x.backend().unaryDerivative(op, x, y, g, out);
        return out;
    }

    /** {@code b} repeated to {@code shape} (the broadcast itself, materialised). */
    public static Tensor expand(Arena arena, Tensor b, Shape shape) {
        if (b.shape().equals(shape)) return b;
        Backend be = b.backend();
        Tensor out = arena.zeros(shape);
        be.binary(BinaryOp.ADD, out, b, Broadcast.of("expand", shape, b.shape()), out);
        return out;
    }

    /** The adjoint of broadcasting to {@code g}'s shape: sums {@code g} down to {@code target}. */
    public static Tensor reduceTo(Arena arena, Tensor g, Shape target) {
        if (g.shape().equals(target)) return g;
        Tensor out = arena.empty(target);
        g.backend().reduceBroadcast(g, Broadcast.of("reduce", g.shape(), target), out);
        return out;
    }

    /** Row sums over the last axis, keeping it as size 1. */
    public static Tensor sumLastAxis(Arena arena, Tensor x) {
        Tensor out = arena.empty(x.shape().withDim(-1, 1));
        x.backend().sumLastAxis(x, out);
        return out;
    }

    /** {@code Σ x} as a one-element tensor. */
    public static Tensor sumAll(Arena arena, Tensor x) {
        Tensor out = arena.empty(Shape.of(1));
        x.backend().sumAll(x, out);
        return out;
    }

    /**
     * {@code op(a)·op(b)} over the last two axes, {@code a}'s leading axes flattened into rows when
     * {@code b} is a matrix, or batched when both have the same leading axes.
     */
    public static Tensor matmul(Arena arena, Tensor a, boolean transA, Tensor b, boolean transB) {
        MatmulShape ms = MatmulShape.of(a.shape(), transA, b.shape(), transB);
        Tensor c = arena.empty(ms.out());
        a.backend().gemm(ms.spec(1f, 0f), a, b, c);
        return c;
    }

    /** {@code c += op(a)·op(b)}. */
    public static void matmulAccumulate(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c) {
        MatmulShape ms = MatmulShape.of(a.shape(), transA, b.shape(), transB);
        a.backend().gemm(ms.spec(1f, 1f), a, b, c);
    }

    /** {@code x} with its axes reordered, moved on the fewest axes the layout allows ({@link Permutation#coalesce}). */
    public static Tensor permute(Arena arena, Tensor x, Permutation perm) {
        Tensor out = arena.empty(perm.apply(x.shape()), x.dtype());
        Permutation.Coalesced c = perm.coalesce(x.shape());
        if (!c.moves()) x.backend().copy(x, out.reshape(x.shape()));
        else x.backend().permute(x.reshape(c.input()), c.perm(), out.reshape(c.perm().apply(c.input())));
        return out;
    }

    /** A copy of {@code x} in {@code arena} (same dtype). */
    public static Tensor copy(Arena arena, Tensor x) {
        Tensor out = arena.empty(x.shape(), x.dtype());
        x.backend().copy(x, out);
        return out;
    }

    /** Rows {@code rows} (I32 indices into the leading axis) of {@code x}, any dtype, in that order. */
    public static Tensor gatherRows(Arena arena, Tensor x, Tensor rows) {
        int b = x.dim(0), n = rows.dim(0);
        long per = x.size() / Math.max(1, b);
        Tensor out = arena.empty(x.shape().withDim(0, n), x.dtype());
        x.backend().gatherRows(x.reshape(b, (int) per), rows, out.reshape(n, (int) per));
        return out;
    }
}
