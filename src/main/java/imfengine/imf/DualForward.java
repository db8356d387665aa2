package imfengine.imf;

import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.nn.ImfDiT;
import imfengine.ops.Shapes;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.Arrays;

/**
 * The dual forward of a training step (IMF_SPEC.md §2.7) without the tangent work the loss never
 * reads. {@code du} enters the loss only as {@code (t − r)·du} (iMF's compound, MeanFlow's target),
 * so where {@code h = t − r} is exactly 0 (the leading flow-matching examples: half the batch in the
 * paper's setting) it is multiplied by zero. Those examples run a primal forward, the others the
 * dual forward, both on the tape, and the outputs are joined along the batch; the joined {@code u}
 * carries tangent 0 on the flow-matching rows. Every example's outputs depend on its own inputs
 * only, so values, gradients and every {@code (t − r)·du} equal those of one dual forward of the
 * whole batch, at about 1 + (tangent share) of a plain forward's cost instead of 1 + 1.
 */
public final class DualForward {
    private DualForward() {}

    /** The network on {@code (z, h)} with tangents {@code (tangent, 1)}, none where {@code h = 0} leads the batch. */
    public static ImfDiT.Output run(ImfDiT net, float[] z, float[] tangent, float[] h, ImfDiT.Conditions c, ImfDiT.Heads heads) {
        int b = h.length, split = leadingZeroGaps(h);
        // all-zero gaps (data proportion 1) keep the plain dual forward: callers read u's tangent
        if (split == 0 || split == b) return forward(net, z, tangent, h, c, heads, 0, b);
        ImfDiT.Output primal = forward(net, z, null, h, c, heads, 0, split);
        ImfDiT.Output dual = forward(net, z, tangent, h, c, heads, split, b);
        Var u = primal.u() == null ? null : Shapes.concat(0, primal.u(), dual.u());
        Var v = primal.v() == null ? null : Shapes.concat(0, primal.v(), dual.v());
        return new ImfDiT.Output(u, v);
    }

    /** How many leading examples have {@code h = 0} exactly. */
    public static int leadingZeroGaps(float[] h) {
        int n = 0;
        while (n < h.length && h[n] == 0f) n++;
        return n;
    }

    /** Examples {@code [from, to)}; with tangents {@code (tangent, 1)} on {@code (z, h)} unless {@code tangent} is null. */
    private static ImfDiT.Output forward(ImfDiT net, float[] z, float[] tangent, float[] h, ImfDiT.Conditions c, ImfDiT.Heads heads,
                                         int from, int to) {
        Backend be = net.backend();
        int n = to - from, p = z.length / h.length;
        Shape img = ImfObjective.imageShape(net, n), gaps = Shape.of(n);
        Tensor zs = be.fromArray(Arrays.copyOfRange(z, from * p, to * p), img), hs = be.fromArray(Arrays.copyOfRange(h, from, to), gaps);
        Var zVar = tangent == null ? Var.constant(zs) : Var.dual(zs, be.fromArray(Arrays.copyOfRange(tangent, from * p, to * p), img));
        Var hVar = tangent == null ? Var.constant(hs) : Var.dual(hs, be.fromArray(ImfObjective.filled(n, 1f), gaps));
        return net.forward(zVar, hVar, from == 0 && to == h.length ? c : c.slice(from, to), heads);
    }
}
