package imfengine.vision;

import imfengine.autodiff.Var;
import imfengine.ops.Conv2d;
import imfengine.ops.Relu;

/**
 * Inception's {@code BasicConv2d}: a bias-free convolution, BatchNorm (eps 10⁻³, inference), ReLU; the
 * BatchNorm folded into the convolution at load ({@link BatchNormFold}), so it is one conv with bias, then ReLU.
 * {@code weight [Cout, C, kh, kw]} and {@code bias [Cout]} are constants of the network's context.
 */
record ConvBnRelu(Var weight, Var bias, int stride, int padY, int padX) {
    int outChannels() { return weight.shape().dim(0); }

    Var apply(Var x) { return Relu.apply(Conv2d.apply(x, weight, bias, stride, padY, padX)); }
}
