package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/** Row gather (embedding lookup); its adjoint is a scatter-add into a zero table. */
public final class Gather {
    private Gather() {}

    /** {@code y[i, :] = table[idx[i], :]} for a table {@code [rows, width]} and I32 indices {@code idx [n]}. */
    public static Var rows(Var table, Tensor idx) {
        Shape ts = table.shape();
        if (ts.rank() != 2) throw new IllegalArgumentException("gather: wrong rank, table must be [rows, width], got " + ts);
        if (idx.dtype() != DType.I32 || idx.rank() != 1)
            throw new IllegalArgumentException("gather: indices must be an I32 vector, got " + idx);
        Context cx = Var.contextOf(table);
        Shape out = Shape.of(idx.dim(0), ts.dim(1));
        Tensor y = gather(cx, table.value(), idx, out);
        Tensor ty = table.hasTangent() ? gather(cx.tangents(), table.tangent(), idx, out) : null;
        return Var.result(cx, Op.GATHER, y, ty, (arena, g, needs) -> {
            Tensor dt = arena.zeros(ts);
            g.backend().scatterAddRows(g, idx, dt);
            return new Tensor[]{dt};
        }, table);
    }

    private static Tensor gather(imfengine.tensor.Arena arena, Tensor table, Tensor idx, Shape out) {
        Tensor y = arena.empty(out, table.dtype());
        table.backend().gatherRows(table, idx, y);
        return y;
    }
}
