package imfengine.autodiff;

import imfengine.backend.Backend;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * A dual number on the tape: a primal tensor, an optional tangent (forward mode; null means zero),
 * the {@link Context} it belongs to, and, when gradients flow into it, the tape node that produced it.
 * The tape only ever holds primal ops, so a tangent used downstream is a constant for reverse mode:
 * exactly the stop-gradient iMF puts on {@code du/dt}. Leaves are made by their context
 * ({@link Context#constant}, {@link Context#dual}, {@link Context#parameter}, ...).
 */
public final class Var {
    private Context context;
    private final Tensor value;
    private final Tensor tangent;
    final Node node;
    private final GradientSink sink;
    private final boolean leafWithGrad;
    Tensor grad;

    Var(Context context, Tensor value, Tensor tangent, Node node, GradientSink sink, boolean leafWithGrad) {
        if (tangent != null && !tangent.shape().equals(value.shape()))
            throw new IllegalArgumentException("tangent shape " + tangent.shape() + " differs from primal " + value.shape());
        this.context = context;
        this.value = value;
        this.tangent = tangent;
        this.node = node;
        this.sink = sink;
        this.leafWithGrad = leafWithGrad;
    }

    /**
     * The result of an op computed in {@code cx} (the innermost context of its inputs, {@link #contextOf}):
     * records a tape node when {@code cx} records and any input needs a gradient. {@code tangent} may be
     * null (zero).
     */
    public static Var result(Context cx, Op op, Tensor value, Tensor tangent, Backward rule, Var... inputs) {
        boolean track = false;
        if (cx.records()) for (Var in : inputs) track |= in.requiresGrad();
        return new Var(cx, value, tangent, track ? new Node(op, inputs, rule) : null, null, false);
    }

    /** The context an op on {@code inputs} runs in: the innermost of theirs. */
    public static Context contextOf(Var... inputs) { return Context.of(inputs); }

    public Context context() { return context; }

    public Tensor value() { return value; }

    /** The tangent, or null when it is zero. */
    public Tensor tangent() { return tangent; }

    public boolean hasTangent() { return tangent != null; }

    public boolean requiresGrad() { return leafWithGrad || node != null; }

    /** A leaf (parameter or test input) that collects a gradient. */
    public boolean isLeaf() { return leafWithGrad; }

    GradientSink sink() { return sink; }

    /** The gradient of a {@link Context#input} leaf after {@link Autodiff#backward}, or null if none reached it. */
    public Tensor grad() { return grad; }

    public Shape shape() { return value.shape(); }

    public Backend backend() { return value.backend(); }

    /** The same primal on the same tape node, without the tangent: forward mode stops here, reverse mode does not. */
    public Var primal() { return tangent == null ? this : valueOnly(context); }

    /** The tangent as a constant of this var's context (for losses that use {@code du} under stop-gradient). */
    public Var tangentAsConstant() {
        if (tangent == null) throw new IllegalStateException("no tangent on a var of shape " + shape());
        return context.constant(tangent);
    }

    /** The same primal, cut from the tape and without tangent ({@code jax.lax.stop_gradient}). */
    public Var detach() { return context.constant(value); }

    void rehome(Context to) { this.context = to; }

    /** The same primal on the same tape node in {@code to}, without the tangent. */
    Var valueOnly(Context to) {
        Var v = new Var(to, value, null, node, sink, leafWithGrad);
        v.grad = grad;
        return v;
    }

    @Override public String toString() { return "Var" + shape() + (tangent != null ? "+tangent" : "") + (requiresGrad() ? "+grad" : ""); }
}
