package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.tensor.Arena;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.Arrays;

/**
 * Movement ops: reshape (a view), permute/transpose (one copy), concat and slice along an axis.
 * All are linear, so the JVP applies the same op to the tangent and the VJP applies its adjoint.
 */
public final class Shapes {
    private Shapes() {}

    public static Var reshape(Var x, Shape to) {
        Context cx = Var.contextOf(x);
        Tensor y = x.value().reshape(to);
        Tensor ty = x.hasTangent() ? x.tangent().reshape(to) : null;
        Shape back = x.shape();
        return Var.result(cx, Op.RESHAPE, y, ty, (arena, g, needs) -> new Tensor[]{g.reshape(back)}, x);
    }

    /** {@code y = x.permute(perm)}: axis {@code i} of y is axis {@code perm.source(i)} of x. */
    public static Var permute(Var x, Permutation perm) {
        perm.apply(x.shape()); // checks the rank
        Context cx = Var.contextOf(x);
        Tensor y = Untaped.permute(cx, x.value(), perm);
        Tensor ty = x.hasTangent() ? Untaped.permute(cx.tangents(), x.tangent(), perm) : null;
        Permutation inverse = perm.inverse();
        return Var.result(cx, Op.PERMUTE, y, ty, (arena, g, needs) -> new Tensor[]{Untaped.permute(arena, g, inverse)}, x);
    }

    /** Swaps two axes. */
    public static Var transpose(Var x, int axis0, int axis1) {
        int a = x.shape().axis(axis0), b = x.shape().axis(axis1);
        return permute(x, Permutation.swap(x.shape().rank(), a, b));
    }

    /** Joins tensors along {@code axis}; all other dimensions must agree. */
    public static Var concat(int axis, Var... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat: no inputs");
        Shape first = xs[0].shape();
        int ax = first.axis(axis);
        int total = 0;
        for (Var x : xs) {
            Shape s = x.shape();
            if (s.rank() != first.rank() || !s.withDim(ax, 0).equals(first.withDim(ax, 0)))
                throw new IllegalArgumentException("concat: shapes " + first + " and " + s + " differ outside axis " + axis);
            total += s.dim(ax);
        }
        Context cx = Var.contextOf(xs);
        Shape out = first.withDim(ax, total);
        Tensor y = concatTensors(cx, ax, out, xs, false);
        boolean anyTangent = Arrays.stream(xs).anyMatch(Var::hasTangent);
        Tensor ty = anyTangent ? concatTensors(cx.tangents(), ax, out, xs, true) : null;
        return Var.result(cx, Op.CONCAT, y, ty, (arena, g, needs) -> {
            Tensor[] grads = new Tensor[xs.length];
            int start = 0;
            for (int i = 0; i < xs.length; i++) {
                int len = xs[i].shape().dim(ax);
                if (needs[i]) grads[i] = sliceTensor(arena, g, ax, start, start + len);
                start += len;
            }
            return grads;
        }, xs);
    }

    /** Elements {@code [start, end)} along {@code axis}. */
    public static Var slice(Var x, int axis, int start, int end) {
        Shape s = x.shape();
        int ax = s.axis(axis);
        if (start < 0 || end > s.dim(ax) || start >= end)
            throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") outside axis " + axis + " of " + s);
        Context cx = Var.contextOf(x);
        Tensor y = sliceTensor(cx, x.value(), ax, start, end);
        Tensor ty = x.hasTangent() ? sliceTensor(cx.tangents(), x.tangent(), ax, start, end) : null;
        return Var.result(cx, Op.SLICE, y, ty, (arena, g, needs) -> {
            Tensor dx = arena.zeros(s);
            copyAlong(g, dx, ax, start, false);
            return new Tensor[]{dx};
        }, x);
    }

    /** A copy of elements {@code [start, end)} of {@code x} along axis {@code ax}. */
    public static Tensor sliceTensor(Arena arena, Tensor x, int ax, int start, int end) {
        Shape s = x.shape();
        Tensor out = arena.empty(s.withDim(ax, end - start), x.dtype());
        int rows = (int) s.outer(ax);
        long inner = s.inner(ax);
        x.backend().copyRuns(x, start * inner, s.dim(ax) * inner, out, 0, (end - start) * inner,
                rows, (int) ((end - start) * inner), false);
        return out;
    }

    /** The parts' values (or tangents, zero where a part has none) joined along {@code ax}. */
    private static Tensor concatTensors(Arena arena, int ax, Shape out, Var[] xs, boolean tangents) {
        boolean gaps = tangents && Arrays.stream(xs).anyMatch(x -> !x.hasTangent());
        Tensor y = gaps ? arena.zeros(out) : arena.empty(out); // one fill instead of one per missing part
        int start = 0;
        for (Var x : xs) {
            Tensor part = tangents ? x.tangent() : x.value();
            if (part != null) copyAlong(part, y, ax, start, false);
            start += x.shape().dim(ax);
        }
        return y;
    }

    /** Writes {@code part} into {@code whole} at offset {@code start} along {@code ax}. */
    private static void copyAlong(Tensor part, Tensor whole, int ax, int start, boolean accumulate) {
        Shape ps = part.shape(), ws = whole.shape();
        long inner = ws.inner(ax);
        int rows = (int) ws.outer(ax);
        int len = (int) (ps.dim(ax) * inner);
        part.backend().copyRuns(part, 0, len, whole, start * inner, ws.dim(ax) * inner, rows, len, accumulate);
    }
}
