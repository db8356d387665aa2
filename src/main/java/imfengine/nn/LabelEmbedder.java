package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Gather;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/** A table of {@code K + 1} rows (the last is the null class), init {@code N(0, 1/D)}. */
public final class LabelEmbedder extends Module {
    private final Parameter table;

    public LabelEmbedder(String prefix, Backend be, int classes, int dim, InitStreams rng) {
        super(prefix, be);
        this.table = parameter("embedding_table.weight", Shape.of(classes + 1, dim), Init.normal(rng, 1 / Math.sqrt(dim)));
    }

    /** I32 labels {@code [B]} in {@code 0..K} (K = the null class) → {@code [B, D]}. */
    public Var forward(Context cx, Tensor labels) {
        return Gather.rows(table.in(cx), labels);
    }
}
