package imfengine.autodiff;

import java.util.concurrent.atomic.AtomicLong;

/** One tape entry: a primal op's inputs and its VJP rule. Tangent work never creates a node. */
final class Node {
    private static final AtomicLong CREATED = new AtomicLong();

    final Op op;
    final Var[] inputs;
    final Backward rule;

    Node(Op op, Var[] inputs, Backward rule) {
        this.op = op;
        this.inputs = inputs;
        this.rule = rule;
        CREATED.incrementAndGet();
    }

    static long created() { return CREATED.get(); }
}
