package imfengine.autodiff;

import imfengine.backend.Backend;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * A dual number on the tape: a primal tensor, an optional tangent (forward mode; null means
 * zero), and, when gradients flow into it, the tape node that produced it. The tape only ever
 * holds primal ops, so a tangent used downstream is a constant for reverse mode: exactly the
 * stop-gradient iMF puts on {@code du/dt}.
 */
public final class Var {
    private final Tensor value;
    private final Tensor tangent;
    final Node node;
    private final boolean parameter;
    Tensor grad;

    private Var(Tensor value, Tensor tangent, Node node, boolean parameter) {
        if (tangent != null && !tangent.shape().equals(value.shape()))
            throw new IllegalArgumentException("tangent shape " + tangent.shape() + " differs from primal " + value.shape());
        this.value = value;
        this.tangent = tangent;
        this.node = node;
        this.parameter = parameter;
    }

    /** A constant: no tangent, no gradient. */
    public static Var constant(Tensor value) { return new Var(value, null, null, false); }

    /** An input of a JVP: primal and tangent, no gradient. */
    public static Var dual(Tensor value, Tensor tangent) { return new Var(value, tangent, null, false); }

    /** A leaf whose gradient {@link Autodiff#backward} accumulates into {@link #grad()}. */
    public static Var parameter(Tensor value) { return new Var(value, null, null, true); }

    /** A leaf with both a tangent and a gradient (for checking JVP and VJP in one evaluation). */
    public static Var dualParameter(Tensor value, Tensor tangent) { return new Var(value, tangent, null, true); }

    /**
     * The result of an op: records a tape node when gradient mode is on and any input needs a
     * gradient. {@code tangent} may be null (zero).
     */
    public static Var result(String op, Tensor value, Tensor tangent, Backward rule, Var... inputs) {
        boolean track = false;
        if (GradMode.enabled()) for (Var in : inputs) track |= in.requiresGrad();
        if (tangent != null) TangentLog.record(tangent);
        return new Var(value, tangent, track ? new Node(op, inputs, rule) : null, false);
    }

    public Tensor value() { return value; }

    /** The tangent, or null when it is zero. */
    public Tensor tangent() { return tangent; }

    public boolean hasTangent() { return tangent != null; }

    public boolean requiresGrad() { return parameter || node != null; }

    public boolean isParameter() { return parameter; }

    /** The accumulated gradient after {@link Autodiff#backward}, or null if none reached this var. */
    public Tensor grad() { return grad; }

    public void zeroGrad() { grad = null; }

    public Shape shape() { return value.shape(); }

    public Backend backend() { return value.backend(); }

    /** The tangent as a constant (for losses that use {@code du} under stop-gradient). */
    public Var tangentAsConstant() {
        if (tangent == null) throw new IllegalStateException("no tangent on a var of shape " + shape());
        return constant(tangent);
    }

    /** The same primal on the same tape node, without the tangent (forward mode stops here, reverse mode does not). */
    public Var withoutTangent() { return tangent == null ? this : new Var(value, null, node, parameter); }

    /** The same primal, cut from the tape and without tangent. */
    public Var detach() { return constant(value); }

    @Override public String toString() { return "Var" + shape() + (tangent != null ? "+tangent" : "") + (requiresGrad() ? "+grad" : ""); }
}
