package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.tensor.Tensor;

/**
 * GroupNorm of NCHW images with a per-channel affine, PyTorch's {@code group_norm} (biased variance), forward
 * only: per sample, the channels fall into {@code groups} groups normalised together over their pixels,
 * {@code y = (x − mean)/√(var + eps)·gamma[c] + beta[c]}. The SD-VAE uses 32 groups, eps 1e-6.
 */
public final class GroupNorm {
    private GroupNorm() {}

    public static Var apply(Var x, Var gamma, Var beta, int groups, float eps) {
        Context cx = Var.contextOf(x, gamma, beta);
        ForwardOnly.require(Op.GROUP_NORM, cx, x, gamma, beta);
        Tensor y = cx.empty(x.shape());
        cx.backend().groupNorm(x.value(), gamma.value(), beta.value(), groups, eps, y); // checks the shapes
        return ForwardOnly.result(cx, Op.GROUP_NORM, y, x, gamma, beta);
    }
}
