package imfengine.ops;

import imfengine.autodiff.Var;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.Arrays;

/**
 * Movement ops: reshape (a view), permute/transpose (one copy), concat and slice along an axis.
 * All are linear, so the JVP applies the same op to the tangent and the VJP applies its adjoint.
 */
public final class Shapes {
    private Shapes() {}

    public static Var reshape(Var x, int... dims) {
        Tensor y = x.value().reshape(dims);
        Tensor ty = x.hasTangent() ? x.tangent().reshape(dims) : null;
        int[] back = x.shape().dims();
        return Var.result("reshape", y, ty, (g, needs) -> new Tensor[]{g.reshape(back)}, x);
    }

    /** {@code y = x.permute(perm)}: axis {@code i} of y is axis {@code perm[i]} of x. */
    public static Var permute(Var x, int... perm) {
        checkPermutation(x.shape(), perm);
        Tensor y = Calc.permute(x.value(), perm);
        Tensor ty = x.hasTangent() ? Calc.permute(x.tangent(), perm) : null;
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inverse[perm[i]] = i;
        return Var.result("permute", y, ty, (g, needs) -> new Tensor[]{Calc.permute(g, inverse)}, x);
    }

    /** Swaps two axes. */
    public static Var transpose(Var x, int axis0, int axis1) {
        int a = x.shape().axis(axis0), b = x.shape().axis(axis1);
        int[] perm = new int[x.shape().rank()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
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
        Shape out = first.withDim(ax, total);
        Tensor y = concatTensors(ax, out, xs, false);
        boolean anyTangent = Arrays.stream(xs).anyMatch(Var::hasTangent);
        Tensor ty = anyTangent ? concatTensors(ax, out, xs, true) : null;
        return Var.result("concat", y, ty, (g, needs) -> {
            Tensor[] grads = new Tensor[xs.length];
            int start = 0;
            for (int i = 0; i < xs.length; i++) {
                int len = xs[i].shape().dim(ax);
                if (needs[i]) grads[i] = sliceTensor(g, ax, start, start + len);
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
        Tensor y = sliceTensor(x.value(), ax, start, end);
        Tensor ty = x.hasTangent() ? sliceTensor(x.tangent(), ax, start, end) : null;
        return Var.result("slice", y, ty, (g, needs) -> {
            Tensor dx = g.backend().zeros(s);
            copyAlong(g, dx, ax, start, false);
            return new Tensor[]{dx};
        }, x);
    }

    static Tensor sliceTensor(Tensor x, int ax, int start, int end) {
        Shape s = x.shape();
        Tensor out = x.backend().empty(s.withDim(ax, end - start));
        int rows = (int) s.outer(ax);
        long inner = s.inner(ax);
        x.backend().copyRuns(x, start * inner, s.dim(ax) * inner, out, 0, (end - start) * inner,
                rows, (int) ((end - start) * inner), false);
        return out;
    }

    private static Tensor concatTensors(int ax, Shape out, Var[] xs, boolean tangents) {
        Tensor y = xs[0].backend().empty(out);
        int start = 0;
        for (Var x : xs) {
            Tensor part = tangents ? x.tangent() : x.value();
            if (part == null) {
                Tensor zero = x.backend().zeros(x.shape());
                copyAlong(zero, y, ax, start, false);
            } else {
                copyAlong(part, y, ax, start, false);
            }
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

    private static void checkPermutation(Shape s, int[] perm) {
        boolean[] seen = new boolean[s.rank()];
        boolean ok = perm.length == s.rank();
        for (int p : perm) {
            if (!ok || p < 0 || p >= seen.length || seen[p]) { ok = false; break; }
            seen[p] = true;
        }
        if (!ok) throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " is not a permutation of the axes of " + s);
    }
}
