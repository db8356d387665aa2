package imfengine.nn;

import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Attention;
import imfengine.ops.Rope;
import imfengine.ops.RopeTable;
import imfengine.ops.Shapes;

/**
 * Multi-head self-attention: bias-free q, k, v, out projections; per-head RMSNorm of q and k
 * (QK-norm); RoPE on q and k; softmax(q·kᵀ/√Dh)·v. Tensors stay {@code [B, L, H·Dh]} throughout.
 */
public final class RopeAttention extends Module {
    private final int heads, headDim;
    private final Linear qProj, kProj, vProj, outProj;
    private final RmsNormLayer qNorm, kNorm;

    public RopeAttention(String prefix, Backend be, int dim, int heads, Init.Factory init) {
        super(prefix, be);
        if (dim % heads != 0) throw new IllegalArgumentException("attention: width " + dim + " not divisible by " + heads + " heads");
        this.heads = heads;
        this.headDim = dim / heads;
        this.qProj = register(new Linear(child("q_proj"), be, dim, dim, false, init.scaled(dim)));
        this.kProj = register(new Linear(child("k_proj"), be, dim, dim, false, init.scaled(dim)));
        this.vProj = register(new Linear(child("v_proj"), be, dim, dim, false, init.scaled(dim)));
        this.outProj = register(new Linear(child("out_proj"), be, dim, dim, false, init.scaled(dim)));
        this.qNorm = register(new RmsNormLayer(child("q_norm"), be, headDim));
        this.kNorm = register(new RmsNormLayer(child("k_norm"), be, headDim));
    }

    public Var forward(Var x, RopeTable rope) {
        int b = x.shape().dim(0), l = x.shape().dim(1), d = x.shape().dim(2);
        Var q = Rope.apply(perHead(qNorm, qProj.forward(x), b, l, d), rope, heads);
        Var k = Rope.apply(perHead(kNorm, kProj.forward(x), b, l, d), rope, heads);
        Var v = vProj.forward(x);
        return outProj.forward(Attention.apply(q, k, v, heads));
    }

    /** RMSNorm over each head's channels: view [B, L, H, Dh], normalise, view back. */
    private Var perHead(RmsNormLayer norm, Var t, int b, int l, int d) {
        return Shapes.reshape(norm.forward(Shapes.reshape(t, b, l, heads, headDim)), b, l, d);
    }
}
