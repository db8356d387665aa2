package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.GatedResidual;
import imfengine.ops.RopeTable;
import imfengine.tensor.Shape;

/** Pre-norm block with zero-initialised vector gates: {@code x += Attn(norm1 x)·g_attn; x += MLP(norm2 x)·g_mlp}. */
public final class TransformerBlock extends Module {
    private final RmsNormLayer norm1, norm2;
    private final RopeAttention attn;
    private final SwiGluMlp mlp;
    private final Parameter attnScale, mlpScale;

    public TransformerBlock(String prefix, Backend be, int dim, int heads, int mlpHidden, Init.Factory init) {
        super(prefix, be);
        this.norm1 = register(new RmsNormLayer(child("norm1"), be, dim));
        this.attn = register(new RopeAttention(child("attn"), be, dim, heads, init));
        this.norm2 = register(new RmsNormLayer(child("norm2"), be, dim));
        this.mlp = register(new SwiGluMlp(child("mlp"), be, dim, mlpHidden, init));
        this.attnScale = parameter("attn_scale", Shape.of(dim), Init.zeros());
        this.mlpScale = parameter("mlp_scale", Shape.of(dim), Init.zeros());
    }

    public Var forward(Context cx, Var x, RopeTable rope) {
        x = GatedResidual.apply(x, attn.forward(cx, norm1.forward(cx, x), rope), attnScale.in(cx));
        return GatedResidual.apply(x, mlp.forward(cx, norm2.forward(cx, x)), mlpScale.in(cx));
    }
}
