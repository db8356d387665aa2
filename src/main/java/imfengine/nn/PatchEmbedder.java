package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Matmul;
import imfengine.ops.Patchify;
import imfengine.ops.Shapes;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;

/**
 * A {@code p×p} stride-{@code p} convolution, i.e. a Linear on patches. The weight is stored as
 * PyTorch's conv weight {@code [D, C, p, p]} and viewed as {@code [D, p·p·C]} to match the patch
 * layout {@code (p q c)}. Initialised as that Linear: Xavier-uniform with {@code fan_in = p²·C},
 * {@code fan_out = D}, bias zero (the authors' port, {@code models/embedder.py}).
 */
public final class PatchEmbedder extends Module {
    private static final Permutation CHANNELS_LAST = Permutation.of(0, 2, 3, 1);
    private final int patch, channels, dim;
    private final Parameter weight, bias;

    public PatchEmbedder(String prefix, Backend be, int patch, int channels, int dim, InitStreams rng) {
        super(prefix, be);
        this.patch = patch;
        this.channels = channels;
        this.dim = dim;
        // the authors initialise it as the Linear(p·p·C → D) it is: fan_in = p²·C, fan_out = D (not a conv's D·p²)
        this.weight = parameter("proj.weight", Shape.of(dim, channels, patch, patch),
                Init.xavierUniform(rng, (long) patch * patch * channels, dim));
        this.bias = parameter("proj.bias", Shape.of(dim), Init.zeros());
    }

    /** {@code x [B, H, W, C]} → {@code [B, (H/p)(W/p), D]}. */
    public Var forward(Context cx, Var x) {
        Var patches = Patchify.patchify(x, patch);
        Var w = Shapes.reshape(Shapes.permute(weight.in(cx), CHANNELS_LAST), Shape.of(dim, patch * patch * channels));
        return Matmul.linear(patches, w, bias.in(cx));
    }
}
