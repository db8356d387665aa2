package imfengine.autodiff;

import imfengine.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Activation recomputation (gradient checkpointing): runs {@code f(x)} without keeping its intermediates
 * on the tape, and records one node whose backward rule runs {@code f} again, this time with a tape, and
 * backpropagates through it. The forward holds only {@code x} and the output, so a stack of such blocks
 * costs one block of intermediates instead of all of them, for one extra forward per block in the
 * backward pass. Parameter gradients reach their {@link GradientSink}s from the nested pass as from any
 * other; tangents flow through the first run as usual and are not recomputed (the tape needs none).
 * {@code f} must be deterministic and bind its parameters to the context it is given.
 */
public final class Recompute {
    private Recompute() {}

    public static Var run(Context cx, Var x, BiFunction<Context, Var, Var> f) {
        if (!cx.records()) { // nothing to save: run it as a plain child
            try (Context child = cx.child()) {
                return child.keep(f.apply(child, x));
            }
        }
        Var out;
        try (Context plain = cx.child(Context.Tape.OFF)) {
            Var in = x.hasTangent() ? plain.dual(x.value(), x.tangent()) : plain.constant(x.value());
            out = plain.keep(f.apply(plain, in));
        }
        Tensor input = x.value();
        Backward rule = (arena, g, needs) -> {
            try (Context again = Context.open(arena.backend(), Context.Tape.RECORD)) {
                Var in = again.input(input);
                Autodiff.backward(f.apply(again, in), g);
                if (!needs[0] || in.grad() == null) return new Tensor[]{null};
                Tensor dx = arena.empty(input.shape());
                arena.backend().copy(in.grad(), dx);
                return new Tensor[]{dx};
            }
        };
        // recorded even when x needs no gradient: the block's parameters do
        return new Var(cx, out.value(), out.tangent(), new Node(Op.RECOMPUTE, new Var[]{x}, rule), null, false);
    }
}
