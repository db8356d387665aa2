package imfengine.nn;

import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Gather;
import imfengine.random.RandomStream;
import imfengine.tensor.Shape;

/** A table of {@code K + 1} rows (the last is the null class), init {@code N(0, 1/D)}. */
public final class LabelEmbedder extends Module {
    private final Parameter table;
    private final int classes;

    public LabelEmbedder(String prefix, Backend be, int classes, int dim, RandomStream rng) {
        super(prefix, be);
        this.classes = classes;
        this.table = parameter("embedding_table.weight", Shape.of(classes + 1, dim), Init.normal(rng, 1 / Math.sqrt(dim)));
    }

    public Var forward(int[] labels) {
        for (int y : labels)
            if (y < 0 || y > classes) throw new IllegalArgumentException("label " + y + " outside 0.." + classes + " (" + classes + " = null class)");
        return Gather.rows(table.var(), labels);
    }
}
