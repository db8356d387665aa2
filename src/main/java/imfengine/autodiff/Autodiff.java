package imfengine.autodiff;

import imfengine.backend.Broadcast;
import imfengine.backend.BinaryOp;
import imfengine.tensor.Storage;
import imfengine.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Reverse mode over the tape, and forward mode as a convenience around {@link Var#dual}. */
public final class Autodiff {
    private Autodiff() {}

    /** Backpropagates from a scalar (one-element) output, seeding its gradient with 1. */
    public static void backward(Var loss) {
        if (loss.value().size() != 1)
            throw new IllegalArgumentException("backward: loss must have one element, got shape " + loss.shape());
        Tensor seed = loss.backend().empty(loss.shape());
        loss.backend().fill(seed, 1f);
        backward(loss, seed);
    }

    /**
     * Backpropagates {@code seed} (the cotangent of {@code out}) through the tape. An intermediate
     * cotangent's memory goes back to the pool as soon as no var holds it any more, so the backward
     * pass needs only a few layers' worth of gradients at a time. (Rules return fresh tensors or
     * views of their {@code dOut}, never a primal value; that is what makes this safe.)
     */
    public static void backward(Var out, Tensor seed) {
        if (!seed.shape().equals(out.shape()))
            throw new IllegalArgumentException("backward: seed shape " + seed.shape() + " differs from output " + out.shape());
        if (!out.requiresGrad()) throw new IllegalStateException("backward: output " + out.shape() + " does not depend on any parameter");
        List<Var> order = topologicalOrder(out);
        Holders holders = new Holders();
        holders.hold(seed); // the caller's tensor: never released here
        accumulate(out, seed, holders);
        for (int i = order.size() - 1; i >= 0; i--) {
            Var v = order.get(i);
            Node n = v.node;
            if (n == null || v.grad == null) continue;
            boolean[] needs = new boolean[n.inputs.length];
            for (int j = 0; j < needs.length; j++) needs[j] = n.inputs[j].requiresGrad();
            Tensor[] grads = n.rule.apply(v.grad, needs);
            for (int j = 0; j < needs.length; j++) {
                if (!needs[j] || grads[j] == null) continue;
                if (!grads[j].shape().equals(n.inputs[j].shape()))
                    throw new IllegalStateException(n.op + " backward: gradient shape " + grads[j].shape()
                            + " for input of shape " + n.inputs[j].shape());
                accumulate(n.inputs[j], grads[j], holders);
            }
            if (!v.isParameter()) { // intermediate cotangents are not needed any more
                holders.drop(v.grad);
                v.grad = null;
            }
        }
    }

    /** How many vars hold each gradient storage; storage nobody holds is released. */
    private static final class Holders {
        private final IdentityHashMap<Storage, Integer> count = new IdentityHashMap<>();

        void hold(Tensor t) { count.merge(t.storage(), 1, Integer::sum); }

        void drop(Tensor t) {
            Storage s = t.storage();
            int left = count.merge(s, -1, Integer::sum);
            if (left <= 0) {
                count.remove(s);
                s.release();
            }
        }

        /** Releases {@code t} if no var holds it (a rule's temporary that was summed into another). */
        void releaseIfFree(Tensor t) {
            if (!count.containsKey(t.storage())) t.storage().release();
        }
    }

    /** Number of tape nodes ever created (for tests that show tangent work is not recorded). */
    public static long tapeNodesCreated() { return Node.created(); }

    /** Forward mode: {@code f} on dual inputs; returns its outputs, whose tangents are the JVP. */
    public static Var[] jvp(Function<Var[], Var[]> f, Tensor[] primals, Tensor[] tangents) {
        if (primals.length != tangents.length) throw new IllegalArgumentException("jvp: " + primals.length + " primals but " + tangents.length + " tangents");
        Var[] in = new Var[primals.length];
        for (int i = 0; i < in.length; i++) in[i] = Var.dual(primals[i], tangents[i]);
        return f.apply(in);
    }

    private static void accumulate(Var v, Tensor g, Holders holders) {
        if (v.grad == null) {
            v.grad = g;
            holders.hold(g);
        } else { // out of place: g may alias another var's gradient
            Tensor sum = g.backend().empty(g.shape());
            g.backend().binary(BinaryOp.ADD, v.grad, g, Broadcast.of("grad accumulate", v.grad.shape(), g.shape()), sum);
            holders.drop(v.grad);
            holders.releaseIfFree(g);
            v.grad = sum;
            holders.hold(sum);
        }
    }

    /** Vars reachable from {@code out} through tape nodes, each after all of its inputs. */
    private static List<Var> topologicalOrder(Var out) {
        List<Var> order = new ArrayList<>();
        Set<Var> visited = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
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
