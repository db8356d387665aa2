package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.ImageShapes;
import imfengine.backend.Pooling;
import imfengine.backend.Window2d;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Changing the resolution of NCHW images, forward only: nearest ×2 upsampling (the VAE decoder's up blocks)
 * and max / average pooling over square windows (Inception-v3: 3×3 at stride 1 or 2, padding 0 or 1).
 */
public final class Resampling {
    private Resampling() {}

    /** {@code y[n, c, i, j] = x[n, c, i/2, j/2]}: PyTorch's {@code interpolate(scale_factor=2, mode="nearest")}. */
    public static Var upsampleNearest2x(Var x) {
        ImageShapes.requireNchw("upsampleNearest2x", x.value());
        Context cx = Var.contextOf(x);
        ForwardOnly.require(Op.UPSAMPLE_NEAREST, cx, x);
        Shape xs = x.shape();
        Tensor y = cx.empty(Shape.of(xs.dim(0), xs.dim(1), 2 * xs.dim(2), 2 * xs.dim(3)));
        cx.backend().upsampleNearest2x(x.value(), y);
        return ForwardOnly.result(cx, Op.UPSAMPLE_NEAREST, y, x);
    }

    /** {@code max_pool2d(x, size, stride, padding)}. */
    public static Var maxPool(Var x, Window2d w) { return pool(Pooling.MAX, x, w); }

    /** {@code avg_pool2d(x, size, stride, padding, count_include_pad=includePad)}. */
    public static Var avgPool(Var x, Window2d w, boolean includePad) {
        return pool(includePad ? Pooling.AVG_INCLUDE_PAD : Pooling.AVG_EXCLUDE_PAD, x, w);
    }

    private static Var pool(Pooling kind, Var x, Window2d w) {
        ImageShapes.requireNchw("pool2d", x.value());
        Context cx = Var.contextOf(x);
        ForwardOnly.require(Op.POOL2D, cx, x);
        Tensor y = cx.empty(ImageShapes.windowed("pool2d", x.shape(), w, x.shape().dim(1)));
        cx.backend().pool2d(kind, w, x.value(), y);
        return ForwardOnly.result(cx, Op.POOL2D, y, x);
    }
}
