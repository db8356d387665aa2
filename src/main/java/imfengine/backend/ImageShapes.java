package imfengine.backend;

import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/** The shape contracts of the image kernels, checked once for every backend (one line per mistake). */
public final class ImageShapes {
    private ImageShapes() {}

    /** {@code x} is {@code [N, C, H, W]}. */
    public static void requireNchw(String op, Tensor x) {
        if (x.rank() != 4) throw new IllegalArgumentException(op + ": x " + x.shape() + " is not an NCHW image batch [N, C, H, W]");
    }

    /** The output shape of a window over {@code x [N, C, H, W]} with {@code channels} output channels. */
    public static Shape windowed(String op, Shape x, Window2d w, int channels) {
        int ho = w.outY(x.dim(2)), wo = w.outX(x.dim(3));
        if (ho < 1 || wo < 1)
            throw new IllegalArgumentException(op + ": a " + w.height() + "×" + w.width() + " window with padding (" + w.padY() + ", "
                    + w.padX() + ") does not fit an image of " + x.dim(2) + "×" + x.dim(3));
        return Shape.of(x.dim(0), channels, ho, wo);
    }

    public static void requireIm2col(Tensor x, Window2d w, Tensor cols) {
        requireNchw("im2col", x);
        Shape out = windowed("im2col", x.shape(), w, x.dim(1));
        Shape want = Shape.of(x.dim(0), x.dim(1) * w.taps(), out.dim(2) * out.dim(3));
        if (!cols.shape().equals(want)) throw new IllegalArgumentException("im2col: cols " + cols.shape() + " should be " + want);
    }

    public static void requireGroupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, Tensor y) {
        requireNchw("groupNorm", x);
        int c = x.dim(1);
        if (groups < 1 || c % groups != 0)
            throw new IllegalArgumentException("groupNorm: " + groups + " groups do not divide " + c + " channels");
        for (Tensor p : new Tensor[]{gamma, beta})
            if (!p.shape().equals(Shape.of(c))) throw new IllegalArgumentException("groupNorm: affine parameter " + p.shape() + " should be [" + c + "]");
        requireSame("groupNorm", y, x.shape());
    }

    public static void requireUpsample2x(Tensor x, Tensor y) {
        requireNchw("upsampleNearest2x", x);
        requireSame("upsampleNearest2x", y, Shape.of(x.dim(0), x.dim(1), 2 * x.dim(2), 2 * x.dim(3)));
    }

    public static void requirePool(Window2d w, Tensor x, Tensor y) {
        requireNchw("pool2d", x);
        if (!w.isSquare()) throw new IllegalArgumentException("pool2d: window " + w + " is not square (pooling takes square windows)");
        if (w.padY() > w.height() / 2)
            throw new IllegalArgumentException("pool2d: padding " + w.padY() + " is more than half the window " + w.height()
                    + " (a window could lie wholly in the padding)");
        requireSame("pool2d", y, windowed("pool2d", x.shape(), w, x.dim(1)));
    }

    private static void requireSame(String op, Tensor y, Shape want) {
        if (!y.shape().equals(want)) throw new IllegalArgumentException(op + ": output " + y.shape() + " should be " + want);
    }
}
