package imfengine.imf;

import imfengine.autodiff.GradMode;
import imfengine.autodiff.TangentLog;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.ops.Activations;
import imfengine.ops.Arithmetic;
import imfengine.ops.Calc;
import imfengine.ops.Reductions;
import imfengine.ops.Shapes;
import imfengine.tensor.MemoryScope;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.Arrays;

/**
 * The loss of one training step (IMF_SPEC.md §2): guided target from tape-free v calls, class
 * dropout, the dual forward with tangents {@code (v_c, 1)} on {@code (z, h)}, the compound
 * {@code V = u + (t − r)·sg(du)}, adaptive weighting and the auxiliary v-loss. Also the two
 * ablations of §7 (boundary-condition v, original MeanFlow).
 */
public final class ImfObjective {
    private final ObjectiveConfig cfg;

    public ImfObjective(ObjectiveConfig cfg) { this.cfg = cfg; }

    public ObjectiveConfig config() { return cfg; }

    /**
     * The differentiable loss, the plain mean-squared errors to report, and the stop-gradient
     * quantities of the step (for tests and reference fixtures).
     */
    public record Result(Var loss, double mseCompound, double mseV, Frozen frozen) {}

    /**
     * What the gradient treats as constant: the target {@code v_g}, the JVP tangent {@code v_c},
     * {@code du} (0 on the leading examples with {@code h = 0}, where it is multiplied by zero and not
     * computed: {@link DualForward}), the adaptive weights {@code 1/(L + eps)^p} of each loss, and the
     * labels after dropout.
     */
    public record Frozen(float[] target, float[] tangent, float[] du, float[] weightU, float[] weightV, int[] labels) {}

    /** {@code x} is the batch {@code [B, H, W, C]} flattened, pixels in [−1, 1]. */
    public Result loss(ImfDiT net, float[] x, int[] labels, StepDraws d) {
        ModelConfig mc = net.config();
        int b = labels.length, p = mc.imageSize() * mc.imageSize() * mc.channels();
        float[] z = new float[b * p], vt = new float[b * p];
        for (int i = 0; i < b; i++) {
            float t = d.t()[i];
            for (int j = i * p; j < (i + 1) * p; j++) {
                z[j] = (1 - t) * x[j] + t * d.noise()[j];
                vt[j] = d.noise()[j] - x[j];
            }
        }
        return cfg.objective() == ObjectiveConfig.Objective.MF
                ? meanFlowLoss(net, z, vt, labels, d, p)
                : imfLoss(net, z, vt, labels, d, p);
    }

    private Result imfLoss(ImfDiT net, float[] z, float[] vt, int[] labels, StepDraws d, int p) {
        int b = labels.length, k = net.config().classes();
        // §2.5: v_c_full = V(z, ω, y) and v_u = V(z, 1, K) in one batch of 2B
        float[] omega2 = concat(d.omega(), filled(b, 1f));
        int[] labels2 = concat(labels, filledInt(b, k));
        float[] both = velocity(net, concat(z, z), omega2, labels2);
        float[] vc = Arrays.copyOf(both, b * p), vu = Arrays.copyOfRange(both, b * p, 2 * b * p);
        // ω' = ω inside [t_min, t_max], else 1. Where ω' = ω the call V(z, ω', y) is the one above, so only
        // the examples outside the interval need another (smaller) batch.
        float[] omegaPrime = d.omega().clone();
        int[] outside = java.util.stream.IntStream.range(0, b)
                .filter(i -> !(d.tMin()[i] <= d.t()[i] && d.t()[i] <= d.tMax()[i])).toArray();
        for (int i : outside) omegaPrime[i] = 1f;
        if (outside.length > 0) {
            float[] zOut = new float[outside.length * p];
            int[] yOut = new int[outside.length];
            for (int n = 0; n < outside.length; n++) {
                System.arraycopy(z, outside[n] * p, zOut, n * p, p);
                yOut[n] = labels[outside[n]];
            }
            float[] vcOut = velocity(net, zOut, filled(outside.length, 1f), yOut);
            for (int n = 0; n < outside.length; n++) System.arraycopy(vcOut, n * p, vc, outside[n] * p, p);
        }
        float[] vg = new float[b * p];
        for (int i = 0; i < b; i++) {
            float w = 1 - 1 / omegaPrime[i];
            for (int j = i * p; j < (i + 1) * p; j++) vg[j] = vt[j] + w * (vc[j] - vu[j]);
        }
        int[] y = dropClasses(labels, vg, vt, d.dropCount(), k, p);
        // §2.7: the dual forward, tangents (v_c, 1) on (z, h); none where h = 0 (DualForward)
        Backend be = net.backend();
        Shape img = imageShape(net, b);
        float[] h = gaps(d);
        boolean head = cfg.vSource() == ObjectiveConfig.VSource.HEAD;
        ImfDiT.Output out;
        Var compound;
        float[] du;
        try (TangentLog tangents = TangentLog.open()) {
            out = DualForward.run(net, z, vc, h, new ImfDiT.Conditions(d.omega(), d.tMin(), d.tMax(), y),
                    head ? ImfDiT.Heads.BOTH : ImfDiT.Heads.U);
            // §2.8: V = u + (t − r)·sg(du); the tangent enters as a constant
            Tensor hPerExample = be.fromArray(h, Shape.of(b, 1, 1, 1));
            compound = Arithmetic.add(out.u(), Var.constant(Calc.mul(out.u().tangent(), hPerExample)));
            du = be.toArray(out.u().tangent());
            tangents.releaseExcept(); // the tape needs no tangent: free them before the backward pass
        }
        compound = compound.withoutTangent();
        Tensor target = be.fromArray(vg, img);
        Weighted lu = weightedSquaredError(compound, target, b, p);
        if (!head) return new Result(Reductions.meanAll(lu.weighted), lu.mse, Double.NaN, new Frozen(vg, vc, du, lu.inverse, null, y));
        Weighted lv = weightedSquaredError(out.v(), target, b, p);
        return new Result(Reductions.meanAll(Arithmetic.add(lu.weighted, lv.weighted)), lu.mse, lv.mse,
                new Frozen(vg, vc, du, lu.inverse, lv.inverse, y));
    }

    /**
     * The original MeanFlow objective: tangent {@code ṽ = ω·(e − x) + (1 − ω)·u(z, h = 0, K)} at a
     * fixed ω, target {@code u_tgt = ṽ − (t − r)·du}, loss {@code ‖u − sg(u_tgt)‖²} adaptively weighted.
     */
    private Result meanFlowLoss(ImfDiT net, float[] z, float[] vt, int[] labels, StepDraws d, int p) {
        int b = labels.length, k = net.config().classes();
        float w = (float) cfg.mfOmega();
        float[] vTilde = vt.clone();
        if (w != 1f) {
            float[] uNull = velocityFromU(net, z, filled(b, 1f), filledInt(b, k));
            for (int j = 0; j < vTilde.length; j++) vTilde[j] = w * vt[j] + (1 - w) * uNull[j];
        }
        int[] y = dropClasses(labels, vTilde, vt, d.dropCount(), k, p);
        Backend be = net.backend();
        Shape img = imageShape(net, b);
        float[] h = gaps(d);
        ImfDiT.Output out;
        Tensor uTarget;
        float[] du;
        try (TangentLog tangents = TangentLog.open()) {
            out = DualForward.run(net, z, vTilde, h, new ImfDiT.Conditions(filled(b, 1f), filled(b, 0f), filled(b, 1f), y), ImfDiT.Heads.U);
            Tensor hPerExample = be.fromArray(h, Shape.of(b, 1, 1, 1));
            uTarget = Calc.sub(be.fromArray(vTilde, img), Calc.mul(out.u().tangent(), hPerExample));
            du = be.toArray(out.u().tangent());
            tangents.releaseExcept();
        }
        out = new ImfDiT.Output(out.u().withoutTangent(), null);
        Weighted lu = weightedSquaredError(out.u(), uTarget, b, p);
        return new Result(Reductions.meanAll(lu.weighted), lu.mse, Double.NaN,
                new Frozen(be.toArray(uTarget), vTilde, du, lu.inverse, null, y));
    }

    /** {@code h = t − r} per example. */
    private static float[] gaps(StepDraws d) {
        float[] h = new float[d.t().length];
        for (int i = 0; i < h.length; i++) h[i] = d.t()[i] - d.r()[i];
        return h;
    }

    private record Weighted(Var weighted, double mse, float[] inverse) {}

    /** Per example {@code L = Σ(pred − target)²}, then {@code L / sg((L + eps)^p)}. */
    private Weighted weightedSquaredError(Var pred, Tensor target, int b, int p) {
        Var sq = Activations.square(Arithmetic.sub(pred, Var.constant(target)));
        Var perExample = Reductions.sumLastAxis(Shapes.reshape(sq, b, p)); // [B, 1]
        float[] l = perExample.backend().toArray(perExample.value());
        float[] inv = new float[b];
        double total = 0;
        for (int i = 0; i < b; i++) {
            total += l[i];
            inv[i] = (float) (1 / Math.pow(l[i] + cfg.normEps(), cfg.normP()));
        }
        Var weighted = Arithmetic.mul(perExample, Var.constant(perExample.backend().fromArray(inv, Shape.of(b, 1))));
        return new Weighted(weighted, total / ((double) b * p), inv);
    }

    /** The instantaneous velocity used for guidance, without tape: the v-head, or the u-head at h = 0. */
    private float[] velocity(ImfDiT net, float[] z, float[] omega, int[] labels) {
        return cfg.vSource() == ObjectiveConfig.VSource.HEAD
                ? evaluate(net, z, omega, labels, ImfDiT.Heads.V)
                : evaluate(net, z, omega, labels, ImfDiT.Heads.U);
    }

    private float[] velocityFromU(ImfDiT net, float[] z, float[] omega, int[] labels) {
        return evaluate(net, z, omega, labels, ImfDiT.Heads.U);
    }

    /** One tape-free forward at {@code h = 0, t_min = 0, t_max = 1}; returns the requested head on the host. */
    private static float[] evaluate(ImfDiT net, float[] z, float[] omega, int[] labels, ImfDiT.Heads head) {
        int n = labels.length;
        Backend be = net.backend();
        try (GradMode off = GradMode.off(); MemoryScope scope = MemoryScope.open()) {
            Var zVar = Var.constant(be.fromArray(z, imageShape(net, n)));
            Var hVar = Var.constant(be.zeros(Shape.of(n)));
            ImfDiT.Output out = net.forward(zVar, hVar, new ImfDiT.Conditions(omega, filled(n, 0f), filled(n, 1f), labels), head);
            return be.toArray((head == ImfDiT.Heads.V ? out.v() : out.u()).value());
        }
    }

    /** §2.6: the first {@code nDrop} examples get the null label and the unguided target. */
    private static int[] dropClasses(int[] labels, float[] target, float[] vt, int nDrop, int nullClass, int p) {
        int[] y = labels.clone();
        for (int i = 0; i < nDrop && i < y.length; i++) {
            y[i] = nullClass;
            System.arraycopy(vt, i * p, target, i * p, p);
        }
        return y;
    }

    static Shape imageShape(ImfDiT net, int b) {
        ModelConfig mc = net.config();
        return Shape.of(b, mc.imageSize(), mc.imageSize(), mc.channels());
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static int[] filledInt(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
