package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.nn.ImfDiT;
import imfengine.ops.Shapes;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * The dual forward of a training step (IMF_SPEC.md §2.7) without the tangent work the loss never
 * reads. {@code du} enters the loss only as {@code (t − r)·du} (iMF's compound, MeanFlow's target),
 * so where {@code h = t − r} is exactly 0 (the leading flow-matching examples: half the batch in the
 * paper's setting) it is multiplied by zero. Those examples run a primal forward, the others the
 * dual forward, both on the tape, and the outputs are joined along the batch; the joined {@code u}
 * carries tangent 0 on the flow-matching rows. Every example's outputs depend on its own inputs
 * only, so values, gradients and every {@code (t − r)·du} equal those of one dual forward of the
 * whole batch, at about 1 + (tangent share) of a plain forward's cost instead of 1 + 1. The two parts
 * read their examples as views of the batch, with no copy.
 */
public final class DualForward {
    private DualForward() {}

    /**
     * The network on {@code (z, h)} with tangents {@code (tangent, 1)}, none on the leading
     * {@code zeroGaps} examples (whose {@code h} is 0).
     */
    public static ImfDiT.Output run(Context cx, ImfDiT net, Tensor z, Tensor tangent, Tensor h, ImfDiT.Conditions c,
                                    ImfDiT.Heads heads, int zeroGaps) {
        int b = h.dim(0);
        // all-zero gaps (data proportion 1) keep the plain dual forward: callers read u's tangent
        if (zeroGaps <= 0 || zeroGaps >= b) return forward(cx, net, z, tangent, h, c, heads, 0, b);
        ImfDiT.Output primal = forward(cx, net, z, null, h, c, heads, 0, zeroGaps);
        ImfDiT.Output dual = forward(cx, net, z, tangent, h, c, heads, zeroGaps, b);
        Var u = primal.u() == null ? null : Shapes.concat(0, primal.u(), dual.u());
        Var v = primal.v() == null ? null : Shapes.concat(0, primal.v(), dual.v());
        return new ImfDiT.Output(u, v);
    }

    /** Examples {@code [from, to)}; with tangents {@code (tangent, 1)} on {@code (z, h)} unless {@code tangent} is null. */
    private static ImfDiT.Output forward(Context cx, ImfDiT net, Tensor z, Tensor tangent, Tensor h, ImfDiT.Conditions c,
                                         ImfDiT.Heads heads, int from, int to) {
        boolean whole = from == 0 && to == h.dim(0);
        Tensor zs = whole ? z : z.rows(from, to), hs = whole ? h : h.rows(from, to);
        Var zVar = tangent == null ? cx.constant(zs) : cx.dual(zs, whole ? tangent : tangent.rows(from, to));
        Var hVar = tangent == null ? cx.constant(hs) : cx.dual(hs, cx.tangents().full(Shape.of(to - from), 1));
        return net.forward(cx, zVar, hVar, whole ? c : c.rows(from, to), heads);
    }
}
