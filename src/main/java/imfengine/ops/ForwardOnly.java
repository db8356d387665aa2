package imfengine.ops;

import imfengine.autodiff.Backward;
import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.tensor.Tensor;

/**
 * The guard of the ops that have no JVP or VJP (the image ops of the VAE decoder and Inception, which only
 * ever run for evaluation): they refuse a tangent or a gradient that would otherwise be silently dropped.
 */
final class ForwardOnly {
    private ForwardOnly() {}

    /** Fails with one line when an input carries a tangent, or needs a gradient on a recording tape. */
    static void require(Op op, Context cx, Var... inputs) {
        for (Var v : inputs) {
            if (v == null) continue;
            if (v.hasTangent())
                throw new UnsupportedOperationException(name(op) + " is forward only: it has no JVP, but an input " + v.shape()
                        + " carries a tangent");
            if (cx.records() && v.requiresGrad())
                throw new UnsupportedOperationException(name(op) + " is forward only: it has no VJP, but an input " + v.shape()
                        + " needs a gradient (run it under Tape.OFF or detach the input)");
        }
    }

    /** The result of a forward-only op (no tape node: {@link #require} has ruled out every reason for one). */
    static Var result(Context cx, Op op, Tensor y, Var... inputs) {
        Backward none = (arena, g, needs) -> { throw new IllegalStateException(name(op) + " has no VJP"); };
        return Var.result(cx, op, y, null, none, java.util.Arrays.stream(inputs).filter(java.util.Objects::nonNull).toArray(Var[]::new));
    }

    private static String name(Op op) { return op.name().toLowerCase(); }
}
