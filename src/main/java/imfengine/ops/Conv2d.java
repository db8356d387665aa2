package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.GemmSpec;
import imfengine.backend.ImageShapes;
import imfengine.backend.Window2d;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * 2-D convolution of NCHW images, PyTorch's {@code conv2d} (weight {@code [Cout, C, kh, kw]}, optional bias
 * {@code [Cout]}, one stride for both axes, padding per axis), forward only. It is im2col and the backend's GEMM:
 * per image {@code y[n] = W·cols[n]}, with the weight read as the matrix {@code [Cout, C·kh·kw]}; a 1×1 kernel at stride 1
 * without padding multiplies the image itself. The unfolded columns are made a few images at a time, so their
 * memory stays near {@link #COLUMN_BUDGET} floats (at least one image's worth).
 */
public final class Conv2d {
    /** Floats of unfolded columns per GEMM (128 MiB); a larger image batch is cut into chunks. */
    static final long COLUMN_BUDGET = 1L << 25;

    private Conv2d() {}

    /** The same {@code padding} on every side. */
    public static Var apply(Var x, Var weight, Var bias, int stride, int padding) {
        return apply(x, weight, bias, stride, padding, padding, COLUMN_BUDGET);
    }

    /** {@code padY} rows above and below, {@code padX} columns left and right (PyTorch's {@code padding=(padY, padX)}). */
    public static Var apply(Var x, Var weight, Var bias, int stride, int padY, int padX) {
        return apply(x, weight, bias, stride, padY, padX, COLUMN_BUDGET);
    }

    /** As above with the columns cut to {@code columnBudget} floats per GEMM (tests: chunks of one image). */
    static Var apply(Var x, Var weight, Var bias, int stride, int padding, long columnBudget) {
        return apply(x, weight, bias, stride, padding, padding, columnBudget);
    }

    static Var apply(Var x, Var weight, Var bias, int stride, int padY, int padX, long columnBudget) {
        Shape xs = x.shape(), ws = weight.shape();
        if (xs.rank() != 4) throw new IllegalArgumentException("conv2d: x " + xs + " is not an NCHW image batch [N, C, H, W]");
        if (ws.rank() != 4) throw new IllegalArgumentException("conv2d: weight " + ws + " is not [Cout, C, kh, kw]");
        if (ws.dim(1) != xs.dim(1))
            throw new IllegalArgumentException("conv2d: weight " + ws + " needs " + ws.dim(1) + " input channels, got " + xs.dim(1));
        int cout = ws.dim(0);
        if (bias != null && !bias.shape().equals(Shape.of(cout)))
            throw new IllegalArgumentException("conv2d: bias " + bias.shape() + " should be [" + cout + "] for weight " + ws);
        Window2d win = new Window2d(ws.dim(2), ws.dim(3), stride, padY, padX);
        Shape ys = ImageShapes.windowed("conv2d", xs, win, cout);
        Context cx = Var.contextOf(bias == null ? new Var[]{x, weight} : new Var[]{x, weight, bias});
        ForwardOnly.require(Op.CONV2D, cx, x, weight, bias);

        Tensor y = cx.empty(ys);
        multiply(cx.backend(), x.value(), weight.value(), win, y, columnBudget);
        if (bias != null) // y[n, o, p] += bias[o]: the bias repeats over pixels (inner) and images (outer)
            cx.backend().binary(BinaryOp.ADD, y, bias.value(), new Broadcast(ys.dim(0), cout, (long) ys.dim(2) * ys.dim(3)), y);
        return ForwardOnly.result(cx, Op.CONV2D, y, x, weight, bias);
    }

    /** {@code y = W ⋆ x} without bias: one batched GEMM per chunk of images. */
    private static void multiply(Backend be, Tensor x, Tensor w, Window2d win, Tensor y, long columnBudget) {
        int n = x.dim(0), cout = w.dim(0), k = w.dim(1) * win.taps(), pixels = y.dim(2) * y.dim(3);
        if (win.taps() == 1 && win.stride() == 1 && win.padY() == 0 && win.padX() == 0) { // the image is its own column matrix
            be.gemm(perImage(n, cout, pixels, k), w, x, y);
            return;
        }
        int chunk = (int) Math.max(1, Math.min(n, columnBudget / ((long) k * pixels)));
        Tensor cols = be.allocate(Shape.of(chunk, k, pixels), DType.F32);
        try {
            for (int from = 0; from < n; from += chunk) {
                int to = Math.min(n, from + chunk);
                Tensor part = cols.view(0, Shape.of(to - from, k, pixels));
                be.im2col(x.rows(from, to), win, part);
                be.gemm(perImage(to - from, cout, pixels, k), w, part, y.rows(from, to));
            }
        } finally {
            cols.storage().release(); // queued after the last GEMM that reads it (CUDA frees in stream order)
        }
    }

    /** {@code C[i] = W·B[i]} for {@code batch} images: the weight shared (stride 0), {@code B[i] [k, pixels]}. */
    private static GemmSpec perImage(int batch, int cout, int pixels, int k) {
        return new GemmSpec(batch, cout, pixels, k, false, false, k, pixels, pixels, 0, 0, 0,
                0, (long) k * pixels, (long) cout * pixels, 1f, 0f);
    }
}
