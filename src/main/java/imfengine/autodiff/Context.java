package imfengine.autodiff;

import imfengine.backend.Backend;
import imfengine.tensor.Arena;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Storage;
import imfengine.tensor.Tensor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The one lifetime and policy object of a computation: every tensor an op allocates comes from the
 * context of its inputs, and is released when that context closes. A context is passed down
 * explicitly (to modules; ops find it on their input {@link Var}s) and says
 * <ul>
 *   <li>whether ops record the tape ({@link Tape#RECORD}) or not ({@link Tape#OFF}: guidance and
 *       sampling forwards), and</li>
 *   <li>how long tangents live: tangent memory comes from {@link #tangents()} and is released when the
 *       context closes, since the tape never needs a tangent.</li>
 * </ul>
 * Contexts nest ({@link #child}): a transformer block runs in a child of the forward's context. When a
 * child closes, what {@link #keep} named moves to the parent; of the rest, tangents are released, and
 * values are released too unless the child records a tape (the tape reads them in the backward pass, so
 * they move to the parent). So a tape-free forward holds one block of intermediates at a time and a dual
 * forward one block of tangents, with no other mechanism involved.
 *
 * <pre>{@code
 * try (Context step = Context.open(backend, Context.Tape.RECORD)) {
 *     Var loss = objective.loss(step, ...);      // values live until the step ends
 *     Autodiff.backward(step, loss);             // gradients land in the parameters' buffers
 * }                                              // everything of the step is released here
 * }</pre>
 */
public final class Context implements Arena, AutoCloseable {
    /** Whether ops record the reverse-mode tape. */
    public enum Tape { RECORD, OFF }

    private final Backend backend;
    private final Context parent;
    private final int depth;
    private final boolean records;
    private final Set<Storage> values = identitySet(), tangents = identitySet();
    private final Arena tangentArena = new TangentArena();
    private boolean closed;

    private Context(Backend backend, Context parent, boolean records) {
        this.backend = backend;
        this.parent = parent;
        this.depth = parent == null ? 0 : parent.depth + 1;
        this.records = records;
    }

    /** A root context on {@code backend}. */
    public static Context open(Backend backend, Tape tape) {
        return new Context(backend, null, tape == Tape.RECORD);
    }

    /** A nested context with this one's tape policy. */
    public Context child() { return child(records ? Tape.RECORD : Tape.OFF); }

    /** A nested context; a child of a tape-free context cannot record. */
    public Context child(Tape tape) {
        requireOpen();
        if (tape == Tape.RECORD && !records) throw new IllegalStateException("a context without a tape cannot open one that records");
        return new Context(backend, this, tape == Tape.RECORD);
    }

    @Override public Backend backend() { return backend; }

    public boolean records() { return records; }

    public Context parent() { return parent; }

    public boolean isClosed() { return closed; }

    // ---- allocation --------------------------------------------------------------------------
    /** Value memory: released with this context (or its parent, when this one records a tape). */
    @Override public Tensor empty(Shape shape, DType dtype) {
        requireOpen();
        Tensor t = backend.allocate(shape, dtype);
        values.add(t.storage());
        return t;
    }

    /** Tangent memory: released when this context closes unless {@link #keep} names it. */
    public Arena tangents() { return tangentArena; }

    private final class TangentArena implements Arena {
        @Override public Backend backend() { return backend; }

        @Override public Tensor empty(Shape shape, DType dtype) {
            requireOpen();
            Tensor t = backend.allocate(shape, dtype);
            tangents.add(t.storage());
            return t;
        }
    }

    // ---- leaves ------------------------------------------------------------------------------
    /** A constant: no tangent, no gradient. */
    public Var constant(Tensor value) { return new Var(this, value, null, null, null, false); }

    /** An input of a JVP: primal and tangent, no gradient. */
    public Var dual(Tensor value, Tensor tangent) { return new Var(this, value, tangent, null, null, false); }

    /** A leaf whose gradient {@link Autodiff#backward} accumulates into {@code sink} (a parameter's buffer). */
    public Var parameter(Tensor value, GradientSink sink) { return new Var(this, value, null, null, sink, true); }

    /** A leaf whose gradient {@link Autodiff#backward} leaves in {@link Var#grad()} (tests of ops). */
    public Var input(Tensor value) { return new Var(this, value, null, null, null, true); }

    /** A leaf with both a tangent and a gradient (for checking JVP and VJP in one evaluation). */
    public Var dualInput(Tensor value, Tensor tangent) { return new Var(this, value, tangent, null, null, true); }

    // ---- lifetime ----------------------------------------------------------------------------
    /** Hands {@code v} (value and tangent) to the parent context, so it outlives this one. */
    public Var keep(Var v) {
        if (!belongsHere(v)) return v; // already the parent's (or further out)
        move(v.value());
        if (v.tangent() != null) move(v.tangent());
        v.rehome(parentOrSelf());
        return v;
    }

    /** Hands {@code v}'s value to the parent; its tangent stays here (released at close) and the result has none. */
    public Var keepValue(Var v) {
        if (belongsHere(v)) move(v.value());
        return v.valueOnly(belongsHere(v) ? parentOrSelf() : v.context());
    }

    /** True when {@code v} is this context's; false when it is an ancestor's; an error otherwise. */
    private boolean belongsHere(Var v) {
        if (v.context() == this) return true;
        for (Context c = parent; c != null; c = c.parent) if (c == v.context()) return false;
        throw new IllegalArgumentException("keep: the value belongs to a context nested in this one (or to an unrelated one)");
    }

    /** Hands a tensor to the parent context. */
    public Tensor keep(Tensor t) {
        move(t);
        return t;
    }

    /** Releases {@code t} now (its storage must have come from this context and have no other user). */
    void releaseNow(Tensor t) {
        Storage s = t.storage();
        if (values.remove(s) || tangents.remove(s)) s.release();
    }

    /** Whether this context owns {@code t}'s memory (so releasing it early is up to this context). */
    boolean owns(Tensor t) {
        Storage s = t.storage();
        return values.contains(s) || tangents.contains(s);
    }

    private void move(Tensor t) {
        requireOpen();
        if (parent == null) return; // a root keeps everything until it closes
        Storage s = t.storage();
        if (values.remove(s)) parent.values.add(s);
        else if (tangents.remove(s)) parent.tangents.add(s);
    }

    private Context parentOrSelf() { return parent == null ? this : parent; }

    /** Tensors (value, tangent) this context holds, for tests and memory accounting. */
    public int ownedCount() { return values.size() + tangents.size(); }

    @Override public void close() {
        if (closed) return;
        closed = true;
        for (Storage s : tangents) s.release();
        tangents.clear();
        if (records && parent != null) parent.values.addAll(values); // the tape reads them in the backward pass
        else for (Storage s : values) s.release();
        values.clear();
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("context used after it was closed");
    }

    // ---- which context an op's result belongs to -----------------------------------------------
    /**
     * The innermost context of {@code inputs}: they must lie on one chain of open contexts (a value of
     * a closed child that was not {@link #keep kept} cannot be used any more).
     */
    static Context of(Var... inputs) {
        Context in = null;
        for (Var v : inputs) {
            if (v == null) continue;
            Context c = v.context();
            if (c.closed) throw new IllegalStateException("a value of a closed context was used: keep() it to let it outlive its context");
            if (in == null || c.depth > in.depth) in = c;
        }
        if (in == null) throw new IllegalArgumentException("an op needs at least one input");
        for (Var v : inputs) {
            if (v == null) continue;
            Context c = in;
            while (c != null && c != v.context()) c = c.parent;
            if (c == null) throw new IllegalStateException("an op mixes values of two unrelated contexts");
        }
        return in;
    }

    private static Set<Storage> identitySet() { return Collections.newSetFromMap(new IdentityHashMap<>()); }
}
