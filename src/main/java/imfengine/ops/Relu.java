package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.tensor.Tensor;

/**
 * {@code y = max(x, 0)}, forward only (Inception-v3's activation; the trained models use SiLU): the backend's
 * elementwise {@code MAX} against a broadcast scalar zero, so it needs no kernel of its own.
 */
public final class Relu {
    private Relu() {}

    public static Var apply(Var x) {
        Context cx = x.context();
        ForwardOnly.require(Op.RELU, cx, x);
        Tensor zero = cx.zeros(imfengine.tensor.Shape.of(1)), y = cx.empty(x.shape());
        cx.backend().binary(BinaryOp.MAX, x.value(), zero, new Broadcast(x.value().size(), 1, 1), y);
        return ForwardOnly.result(cx, Op.RELU, y, x);
    }
}
