package imfengine.testing;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.ops.Activations;
import imfengine.ops.Arithmetic;
import imfengine.ops.Matmul;
import imfengine.ops.Reductions;
import imfengine.ops.RopeTable;
import imfengine.ops.Shapes;
import imfengine.ops.Softmax;
import imfengine.tensor.Host;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;

/**
 * The fused ops written as compositions of elementary ops, each with its own tangent and gradient
 * rule: the yardstick of the fused kernels. Tests check that fused and unfused agree (primal,
 * tangent, gradients) and benchmarks measure what fusing saves; production code never uses them.
 */
public final class Unfused {
    private static final Permutation HEADS_FIRST = Permutation.of(0, 2, 1, 3);

    private Unfused() {}

    /** {@code x ⊙ rsqrt(mean(x²) + eps) ⊙ w}. */
    public static Var rmsNorm(Var x, Var w, float eps) {
        Context cx = Var.contextOf(x, w);
        Var ms = Reductions.meanLastAxis(Activations.square(x));
        Var epsC = cx.constant(cx.full(Shape.of(1), eps));
        Var rs = Activations.rsqrt(Arithmetic.add(ms, epsC));
        return Arithmetic.mul(Arithmetic.mul(x, rs), w);
    }

    /** The rotation of adjacent pairs, {@code (a, b) → (a·cos − b·sin, a·sin + b·cos)}, via slices and concat. */
    public static Var rope(Var x, RopeTable table, int heads) {
        Context cx = Var.contextOf(x);
        int b = x.shape().dim(0), l = x.shape().dim(1), dh = table.headDim(), half = dh / 2;
        float[] c = Host.floats(table.cos()), s = Host.floats(table.sin());
        float[] cx4 = new float[l * heads * half], sx4 = new float[cx4.length];
        for (int p = 0; p < l; p++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < half; i++) {
                    cx4[(p * heads + h) * half + i] = c[p * half + i];
                    sx4[(p * heads + h) * half + i] = s[p * half + i];
                }
        Shape cs = Shape.of(l, heads, half, 1);
        Var cos = cx.constant(Host.upload(cx, cx4, cs)), sin = cx.constant(Host.upload(cx, sx4, cs));
        Var pairs = Shapes.reshape(x, Shape.of(b, l, heads, half, 2));
        Var x0 = Shapes.slice(pairs, -1, 0, 1), x1 = Shapes.slice(pairs, -1, 1, 2);
        Var y0 = Arithmetic.sub(Arithmetic.mul(x0, cos), Arithmetic.mul(x1, sin));
        Var y1 = Arithmetic.add(Arithmetic.mul(x0, sin), Arithmetic.mul(x1, cos));
        return Shapes.reshape(Shapes.concat(-1, y0, y1), Shape.of(b, l, heads * dh));
    }

    /** {@code silu(a) ⊙ b}. */
    public static Var swiglu(Var a, Var b) {
        return Arithmetic.mul(Activations.silu(a), b);
    }

    /** {@code x + branch ⊙ gate}, the gate a vector along the rows. */
    public static Var gatedResidual(Var x, Var branch, Var gate) {
        return Arithmetic.add(x, Arithmetic.mul(branch, gate));
    }

    /** {@code exp(x) / Σ exp(x)} over the last axis (no max subtraction: for moderate inputs). */
    public static Var softmax(Var x) {
        Var e = Activations.exp(x);
        return Arithmetic.div(e, Reductions.sumLastAxis(e));
    }

    /** To {@code [B, H, L, Dh]}, {@code q·kᵀ}, scale, softmax, {@code ·v}, back to {@code [B, L, H·Dh]}. */
    public static Var attention(Var q, Var k, Var v, int heads) {
        int b = q.shape().dim(0), l = q.shape().dim(1), width = q.shape().dim(2), dh = width / heads;
        Var scores = Arithmetic.scale(Matmul.matmul(toHeads(q, heads), false, toHeads(k, heads), true), (float) (1 / Math.sqrt(dh)));
        Var o = Matmul.matmul(Softmax.lastAxis(scores), toHeads(v, heads));
        return Shapes.reshape(Shapes.permute(o, HEADS_FIRST), Shape.of(b, l, width));
    }

    private static Var toHeads(Var x, int heads) {
        int b = x.shape().dim(0), l = x.shape().dim(1), dh = x.shape().dim(2) / heads;
        return Shapes.permute(Shapes.reshape(x, Shape.of(b, l, heads, dh)), HEADS_FIRST);
    }
}
