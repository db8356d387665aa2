package imfengine.autodiff;

import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.tensor.Storage;
import imfengine.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Reverse mode over the tape, and forward mode as a convenience around {@link Context#dual}. */
public final class Autodiff {
    private Autodiff() {}

    /** Backpropagates from a scalar (one-element) output, seeding its gradient with 1. */
    public static void backward(Var loss) {
        if (loss.value().size() != 1)
            throw new IllegalArgumentException("backward: loss must have one element, got shape " + loss.shape());
        Context cx = loss.context();
        backward(loss, cx.full(loss.shape(), 1.0));
    }

    /**
     * Backpropagates {@code seed} (the cotangent of {@code out}) through the tape. Parameter gradients are
     * added into their sinks ({@code +=}); gradients of {@link Context#input} leaves are left in
     * {@link Var#grad()}, owned by the leaf's context. Every other cotangent lives in a child of
     * {@code out}'s context that this pass closes when it returns, and goes back to the pool as soon as no
     * var holds it any more, so the backward pass needs only a few layers' worth of gradients at a time.
     * (Rules return fresh tensors or views of their {@code dOut}, never a primal value; that is what makes
     * the early release safe.)
     */
    public static void backward(Var out, Tensor seed) {
        if (!seed.shape().equals(out.shape()))
            throw new IllegalArgumentException("backward: seed shape " + seed.shape() + " differs from output " + out.shape());
        if (!out.requiresGrad()) throw new IllegalStateException("backward: output " + out.shape() + " does not depend on any parameter");
        List<Var> order = topologicalOrder(out);
        try (Context pass = out.context().child(Context.Tape.OFF)) {
            Holders holders = new Holders(pass);
            holders.hold(seed); // the caller's tensor: never released here
            accumulate(out, seed, holders);
            for (int i = order.size() - 1; i >= 0; i--) {
                Var v = order.get(i);
                Node n = v.node;
                if (n == null || v.grad == null) continue;
                boolean[] needs = new boolean[n.inputs.length];
                for (int j = 0; j < needs.length; j++) needs[j] = n.inputs[j].requiresGrad();
                Tensor[] into = n.rule instanceof AccumulatingBackward ? accumulationTargets(n.inputs, needs, holders) : null;
                Tensor[] grads = into == null ? n.rule.apply(pass, v.grad, needs)
                        : ((AccumulatingBackward) n.rule).applyInto(pass, v.grad, needs, into);
                for (int j = 0; j < needs.length; j++) {
                    if (!needs[j] || grads[j] == null) continue;
                    if (!grads[j].shape().equals(n.inputs[j].shape()))
                        throw new IllegalStateException(n.op + " backward: gradient shape " + grads[j].shape()
                                + " for input of shape " + n.inputs[j].shape());
                    if (into != null && into[j] != null && grads[j].sameElements(into[j])) continue; // added in place
                    accumulate(n.inputs[j], grads[j], holders);
                }
                holders.drop(v.grad); // an intermediate's cotangent is not needed any more
                v.grad = null;
            }
        }
    }

    /**
     * How many vars hold each cotangent's storage; storage nobody holds goes back to the backward
     * pass's context at once (the counting is this pass's own bookkeeping, not a lifetime of its own).
     */
    private static final class Holders {
        private final Context pass;
        private final IdentityHashMap<Storage, Integer> count = new IdentityHashMap<>();

        Holders(Context pass) { this.pass = pass; }

        void hold(Tensor t) { count.merge(t.storage(), 1, Integer::sum); }

        void drop(Tensor t) {
            Storage s = t.storage();
            int left = count.merge(s, -1, Integer::sum);
            if (left <= 0) {
                count.remove(s);
                pass.releaseNow(t);
            }
        }

        /** Whether exactly one var holds {@code t}'s storage: that var's cotangent may then be added to in place. */
        boolean soleHolder(Tensor t) { return count.getOrDefault(t.storage(), 0) == 1; }

        /** Releases {@code t} if no var holds it (a rule's temporary that was summed into another). */
        void releaseIfFree(Tensor t) {
            if (!count.containsKey(t.storage())) pass.releaseNow(t);
        }
    }

    /** Number of tape nodes ever created (for tests that show tangent work is not recorded). */
    public static long tapeNodesCreated() { return Node.created(); }

    /** Forward mode: {@code f} on dual inputs of {@code cx}; returns its outputs, whose tangents are the JVP. */
    public static Var[] jvp(Context cx, Function<Var[], Var[]> f, Tensor[] primals, Tensor[] tangents) {
        if (primals.length != tangents.length) throw new IllegalArgumentException("jvp: " + primals.length + " primals but " + tangents.length + " tangents");
        Var[] in = new Var[primals.length];
        for (int i = 0; i < in.length; i++) in[i] = cx.dual(primals[i], tangents[i]);
        return f.apply(in);
    }

    private static void accumulate(Var v, Tensor g, Holders holders) {
        GradientSink sink = v.sink();
        if (sink != null) { // a parameter: add into its persistent buffer
            Tensor buf = sink.gradient();
            if (!buf.shape().equals(g.shape()))
                throw new IllegalStateException("backward: gradient " + g.shape() + " for a parameter buffer " + buf.shape());
            add(buf, g, buf);
            holders.releaseIfFree(g);
            return;
        }
        if (v.isLeaf()) { // a test input: its own gradient, in its own context
            if (v.grad == null) {
                v.grad = v.context().empty(g.shape());
                g.backend().copy(g, v.grad);
            } else {
                add(v.grad, g, v.grad);
            }
            holders.releaseIfFree(g);
            return;
        }
        if (v.grad == null) {
            v.grad = g;
            holders.hold(g);
        } else if (holders.soleHolder(v.grad) && g.storage() != v.grad.storage()) { // nobody else reads it: in place
            add(v.grad, g, v.grad);
            holders.releaseIfFree(g);
        } else { // out of place: another var holds v's cotangent too (a rule passed its dOut on to several inputs)
            Tensor sum = holders.pass.empty(g.shape());
            add(v.grad, g, sum);
            holders.drop(v.grad);
            holders.releaseIfFree(g);
            v.grad = sum;
            holders.hold(sum);
        }
    }

    private static void add(Tensor sum, Tensor g, Tensor out) {
        g.backend().binary(BinaryOp.ADD, sum, g, Broadcast.of("gradient accumulate", sum.shape(), g.shape()), out);
    }

    /**
     * For a rule that can add into existing tensors: per input, the tensor its cotangent may be added into,
     * or null. A parameter's gradient buffer, a test input's gradient, and an intermediate's cotangent that
     * no other var holds (so writing to it changes nothing anyone else reads).
     */
    private static Tensor[] accumulationTargets(Var[] inputs, boolean[] needs, Holders holders) {
        Tensor[] into = new Tensor[inputs.length];
        for (int j = 0; j < inputs.length; j++) {
            if (!needs[j]) continue;
            Var in = inputs[j];
            Tensor target = in.sink() != null ? in.sink().gradient()
                    : in.grad != null && (in.isLeaf() || holders.soleHolder(in.grad)) ? in.grad : null;
            if (target != null && target.shape().equals(in.shape())) into[j] = target;
        }
        return into;
    }

    /** Vars reachable from {@code out} through tape nodes, each after all of its inputs. */
    private static List<Var> topologicalOrder(Var out) {
        List<Var> order = new ArrayList<>();
        Set<Var> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>(); // {var, nextInputIndex}
        stack.push(new Object[]{out, 0});
        visited.add(out);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Var v = (Var) top[0];
            int next = (Integer) top[1];
            Var[] inputs = v.node == null ? new Var[0] : v.node.inputs;
            if (next < inputs.length) {
                top[1] = next + 1;
                Var in = inputs[next];
                if (in.requiresGrad() && visited.add(in)) stack.push(new Object[]{in, 0});
            } else {
                stack.pop();
                order.add(v);
            }
        }
        return order;
    }
}
