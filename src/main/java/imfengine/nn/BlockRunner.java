package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Recompute;
import imfengine.autodiff.Var;
import imfengine.ops.RopeTable;

/**
 * How a transformer block runs inside a forward: the memory plan's hook. {@link #KEEP} runs it in a
 * child context, so the tape keeps its intermediates for the backward pass and its tangents go when it
 * ends; {@link #RECOMPUTE} keeps only its input and runs it again in the backward pass
 * ({@link Recompute}), trading one extra block forward for the block's activation memory.
 */
@FunctionalInterface
public interface BlockRunner {
    Var run(Context cx, TransformerBlock block, Var x, RopeTable rope);

    BlockRunner KEEP = (cx, block, x, rope) -> {
        try (Context child = cx.child()) {
            return child.keep(block.forward(child, x, rope));
        }
    };

    BlockRunner RECOMPUTE = (cx, block, x, rope) -> Recompute.run(cx, x, (c, in) -> block.forward(c, in, rope));
}
