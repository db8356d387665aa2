package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.BinaryOp;
import imfengine.backend.UnaryOp;
import imfengine.nn.ChunkedForward;
import imfengine.nn.ImfDiT;
import imfengine.ops.Activations;
import imfengine.ops.Arithmetic;
import imfengine.ops.Masking;
import imfengine.ops.Reductions;
import imfengine.ops.Shapes;
import imfengine.ops.Untaped;
import imfengine.backend.Broadcast;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * The loss of one training step (IMF_SPEC.md §2), written in tensor ops on the step's device: guided
 * target from tape-free v calls, class dropout, the dual forward with tangents {@code (v_c, 1)} on
 * {@code (z, h)}, the compound {@code V = u + (t − r)·sg(du)}, adaptive weighting and the auxiliary
 * v-loss. Also the two ablations of §7 (boundary-condition v, original MeanFlow). Nothing of the step
 * reaches the host.
 */
public final class ImfObjective {
    private final ObjectiveConfig cfg;
    private final StepProbe probe;

    public ImfObjective(ObjectiveConfig cfg) { this(cfg, StepProbe.NONE); }

    public ImfObjective(ObjectiveConfig cfg, StepProbe probe) {
        this.cfg = cfg;
        this.probe = probe;
    }

    public ObjectiveConfig config() { return cfg; }

    /**
     * The differentiable loss, and the plain mean-squared errors to report ({@code [1]} tensors on the
     * device: {@code mseU} of the compound velocity, {@code mseV} of the v-head, null without one).
     */
    public record Result(Var loss, Tensor mseU, Tensor mseV) {}

    /** {@code x [B, H, W, C]}, pixels in [−1, 1], and I32 {@code labels [B]}, all in {@code cx}. */
    public Result loss(Context cx, ImfDiT net, Tensor x, Tensor labels, StepDraws d) {
        int b = labels.dim(0);
        Tensor vt = Untaped.sub(cx, d.noise(), x);                              // v_t = e − x
        Tensor z = Untaped.add(cx, x, Untaped.mul(cx, vt, perExample(d.t())));  // z = (1 − t)·x + t·e
        probe.interpolated(z);
        return cfg.objective() == ObjectiveConfig.Objective.MF
                ? meanFlowLoss(cx, net, z, vt, labels, d, b)
                : imfLoss(cx, net, z, vt, labels, d, b);
    }

    private Result imfLoss(Context cx, ImfDiT net, Tensor z, Tensor vt, Tensor labels, StepDraws d, int b) {
        int k = net.config().classes();
        // ω' = ω inside [t_min, t_max], else 1 (§2.5). v_c = V(z, ω', y) and v_u = V(z, 1, K) in one batch of 2B:
        // the spec's v_c_full = V(z, ω, y) differs from v_c only outside the interval, where nothing uses it (the
        // flow-matching examples, whose target names v_c_full, have the interval [0, 1]). So no second call for the
        // examples outside, and no count of them on the host.
        Tensor outside = Untaped.binary(cx, BinaryOp.MAX,
                Untaped.binary(cx, BinaryOp.LESS, d.t(), d.tMin()), Untaped.binary(cx, BinaryOp.LESS, d.tMax(), d.t()));
        Tensor omegaPrime = Masking.select(cx, outside, Broadcast.of("ω'", outside.shape(), outside.shape()),
                cx.full(Shape.of(b), 1), d.omega());
        Tensor both = velocity(cx, net, stacked(cx, z, z), stacked(cx, omegaPrime, cx.full(Shape.of(b), 1)),
                stacked(cx, labels, cx.full(Shape.of(b), DType.I32, k)));
        Tensor vc = both.rows(0, b), vu = both.rows(b, 2 * b);
        Tensor vg = Untaped.add(cx, vt, Untaped.mul(cx, Untaped.sub(cx, vc, vu), perExample(guidanceWeight(cx, omegaPrime))));
        // §2.6: the dropped examples get the null label and the unguided target
        Tensor y = select(cx, d.dropMask(), cx.full(Shape.of(b), DType.I32, k), labels);
        vg = select(cx, d.dropMask(), vt, vg);
        probe.guidedTarget(vg);
        probe.jvpTangent(vc);
        probe.labelsAfterDropout(y);
        // §2.7: the dual forward, tangents (v_c, 1) on (z, h); none where h = 0 (DualForward)
        boolean head = cfg.vSource() == ObjectiveConfig.VSource.HEAD;
        Tensor h = d.gaps(cx);
        Var u, v = null;
        Tensor duTimesH;
        try (Context dual = cx.child()) { // the dual forward's tangents go when it closes
            ImfDiT.Output out = DualForward.run(dual, net, z, vc, h, new ImfDiT.Conditions(d.omega(), d.tMin(), d.tMax(), y),
                    head ? ImfDiT.Heads.BOTH : ImfDiT.Heads.U, d.fmCount());
            probe.du(out.u().tangent());
            duTimesH = Untaped.mul(cx, out.u().tangent(), perExample(h));
            u = dual.keepValue(out.u());
            if (head) v = dual.keep(out.v());
        }
        // §2.8: V = u + (t − r)·sg(du); the tangent enters as a constant
        Var compound = Arithmetic.add(u, cx.constant(duTimesH));
        Weighted lu = weightedSquaredError(cx, compound, vg, b);
        if (!head) {
            probe.adaptiveWeights(lu.inverse, null);
            return new Result(Reductions.meanAll(lu.weighted), lu.mse, null);
        }
        Weighted lv = weightedSquaredError(cx, v, vg, b);
        probe.adaptiveWeights(lu.inverse, lv.inverse);
        return new Result(Reductions.meanAll(Arithmetic.add(lu.weighted, lv.weighted)), lu.mse, lv.mse);
    }

    /**
     * The original MeanFlow objective: tangent {@code ṽ = ω·(e − x) + (1 − ω)·u(z, h = 0, K)} at a
     * fixed ω, target {@code u_tgt = ṽ − (t − r)·du}, loss {@code ‖u − sg(u_tgt)‖²} adaptively weighted.
     */
    private Result meanFlowLoss(Context cx, ImfDiT net, Tensor z, Tensor vt, Tensor labels, StepDraws d, int b) {
        int k = net.config().classes();
        float w = (float) cfg.mfOmega();
        Tensor vTilde = vt;
        if (w != 1f) {
            Tensor uNull = evaluate(cx, net, z, cx.full(Shape.of(b), 1), cx.full(Shape.of(b), DType.I32, k), ImfDiT.Heads.U);
            vTilde = Untaped.axpby(cx, w, vt, 1 - w, uNull);
        }
        Tensor y = select(cx, d.dropMask(), cx.full(Shape.of(b), DType.I32, k), labels);
        vTilde = select(cx, d.dropMask(), vt, vTilde);
        probe.jvpTangent(vTilde);
        probe.labelsAfterDropout(y);
        Tensor h = d.gaps(cx);
        Var u;
        Tensor uTarget;
        try (Context dual = cx.child()) {
            ImfDiT.Conditions c = new ImfDiT.Conditions(cx.full(Shape.of(b), 1), cx.zeros(Shape.of(b)), cx.full(Shape.of(b), 1), y);
            ImfDiT.Output out = DualForward.run(dual, net, z, vTilde, h, c, ImfDiT.Heads.U, d.fmCount());
            probe.du(out.u().tangent());
            uTarget = Untaped.sub(cx, vTilde, Untaped.mul(cx, out.u().tangent(), perExample(h)));
            u = dual.keepValue(out.u());
        }
        probe.guidedTarget(uTarget);
        Weighted lu = weightedSquaredError(cx, u, uTarget, b);
        probe.adaptiveWeights(lu.inverse, null);
        return new Result(Reductions.meanAll(lu.weighted), lu.mse, null);
    }

    private record Weighted(Var weighted, Tensor mse, Tensor inverse) {}

    /** Per example {@code L = Σ(pred − target)²}, then {@code L / sg((L + eps)^p)}; also the plain MSE. */
    private Weighted weightedSquaredError(Context cx, Var pred, Tensor target, int b) {
        int p = pixels(target);
        Var sq = Activations.square(Arithmetic.sub(pred, cx.constant(target)));
        Var perExample = Reductions.sumLastAxis(Shapes.reshape(sq, Shape.of(b, p))); // [B, 1]
        Tensor l = perExample.value();
        Tensor logL = Untaped.unary(cx, UnaryOp.LOG, Untaped.add(cx, l, cx.full(Shape.of(1), cfg.normEps())));
        Tensor inverse = Untaped.unary(cx, UnaryOp.EXP, Untaped.scale(cx, logL, (float) -cfg.normP())); // 1/(L + eps)^p
        Var weighted = Arithmetic.mul(perExample, cx.constant(inverse));
        Tensor mse = Untaped.scale(cx, Untaped.sumAll(cx, l), (float) (1.0 / ((double) b * p)));
        return new Weighted(weighted, mse, inverse.reshape(b));
    }

    /** The instantaneous velocity used for guidance, without tape: the v-head, or the u-head at h = 0. */
    private Tensor velocity(Context cx, ImfDiT net, Tensor z, Tensor omega, Tensor labels) {
        return evaluate(cx, net, z, omega, labels, cfg.vSource() == ObjectiveConfig.VSource.HEAD ? ImfDiT.Heads.V : ImfDiT.Heads.U);
    }

    /** One tape-free forward at {@code h = 0, t_min = 0, t_max = 1}; returns the requested head, kept in {@code cx}. */
    private static Tensor evaluate(Context cx, ImfDiT net, Tensor z, Tensor omega, Tensor labels, ImfDiT.Heads head) {
        int n = labels.dim(0);
        try (Context g = cx.child(Context.Tape.OFF)) {
            ImfDiT.Conditions c = new ImfDiT.Conditions(omega, g.zeros(Shape.of(n)), g.full(Shape.of(n), 1), labels);
            return g.keep(ChunkedForward.evaluate(g, net, z, g.zeros(Shape.of(n)), c, head));
        }
    }

    /** {@code 1 − 1/ω'} per example. */
    private static Tensor guidanceWeight(Context cx, Tensor omegaPrime) {
        return Untaped.div(cx, Untaped.sub(cx, omegaPrime, cx.full(Shape.of(1), 1)), omegaPrime);
    }

    /** {@code a} then {@code b} along the leading axis. */
    private static Tensor stacked(Context cx, Tensor a, Tensor b) {
        Tensor out = cx.empty(a.shape().withDim(0, a.dim(0) + b.dim(0)), a.dtype());
        cx.backend().copy(a, out.rows(0, a.dim(0)));
        cx.backend().copy(b, out.rows(a.dim(0), out.dim(0)));
        return out;
    }

    /** {@code mask ? a : b} with one flag per example (the leading axis). */
    private static Tensor select(Context cx, Tensor mask, Tensor a, Tensor b) {
        return Masking.select(cx, mask, Broadcast.of("select", a.shape(), perExampleShape(mask.dim(0), a.rank())), a, b);
    }

    /** A per-example vector {@code [B]} viewed as {@code [B, 1, 1, 1]} to broadcast over images. */
    private static Tensor perExample(Tensor v) { return v.reshape(perExampleShape(v.dim(0), 4)); }

    private static Shape perExampleShape(int b, int rank) {
        int[] d = new int[rank];
        java.util.Arrays.fill(d, 1);
        d[0] = b;
        return Shape.of(d);
    }

    private static int pixels(Tensor images) { return (int) (images.size() / images.dim(0)); }
}
