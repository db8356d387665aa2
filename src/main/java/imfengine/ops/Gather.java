package imfengine.ops;

import imfengine.autodiff.Var;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/** Row gather (embedding lookup); its adjoint is a scatter-add into a zero table. */
public final class Gather {
    private Gather() {}

    /** {@code y[i, :] = table[idx[i], :]} for a table {@code [rows, width]}. */
    public static Var rows(Var table, int[] idx) {
        Shape ts = table.shape();
        if (ts.rank() != 2) throw new IllegalArgumentException("gather: wrong rank, table must be [rows, width], got " + ts);
        for (int i : idx)
            if (i < 0 || i >= ts.dim(0))
                throw new IllegalArgumentException("gather: index " + i + " outside table " + ts);
        Shape out = Shape.of(idx.length, ts.dim(1));
        Tensor y = gather(table.value(), idx, out);
        Tensor ty = table.hasTangent() ? gather(table.tangent(), idx, out) : null;
        int[] idxCopy = idx.clone();
        return Var.result("gather", y, ty, (g, needs) -> {
            Tensor dt = g.backend().zeros(ts);
            g.backend().scatterAddRows(g, idxCopy, dt);
            return new Tensor[]{dt};
        }, table);
    }

    private static Tensor gather(Tensor table, int[] idx, Shape out) {
        Tensor y = table.backend().empty(out);
        table.backend().gatherRows(table, idx, y);
        return y;
    }
}
