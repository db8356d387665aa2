package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Attention;
import imfengine.ops.RopeTable;

/**
 * Multi-head self-attention: bias-free q, k, v, out projections; per-head RMSNorm of q and k
 * (QK-norm) and RoPE on q and k, one op each ({@link imfengine.ops.NormRope}); softmax(q·kᵀ/√Dh)·v.
 * Tensors stay {@code [B, L, H·Dh]} throughout.
 */
public final class RopeAttention extends Module {
    private final int heads;
    private final Linear qProj, kProj, vProj, outProj;
    private final RmsNormLayer qNorm, kNorm;

    public RopeAttention(String prefix, Backend be, int dim, int heads, Init.Factory init) {
        super(prefix, be);
        if (dim % heads != 0) throw new IllegalArgumentException("attention: width " + dim + " not divisible by " + heads + " heads");
        this.heads = heads;
        int headDim = dim / heads;
        this.qProj = register(new Linear(child("q_proj"), be, dim, dim, false, init.scaled(dim)));
        this.kProj = register(new Linear(child("k_proj"), be, dim, dim, false, init.scaled(dim)));
        this.vProj = register(new Linear(child("v_proj"), be, dim, dim, false, init.scaled(dim)));
        this.outProj = register(new Linear(child("out_proj"), be, dim, dim, false, init.scaled(dim)));
        this.qNorm = register(new RmsNormLayer(child("q_norm"), be, headDim));
        this.kNorm = register(new RmsNormLayer(child("k_norm"), be, headDim));
    }

    public Var forward(Context cx, Var x, RopeTable rope) {
        Var[] qkv = Linear.forwardAll(cx, x, qProj, kProj, vProj);
        Var q = qNorm.forwardRotated(cx, qkv[0], rope, heads);
        Var k = kNorm.forwardRotated(cx, qkv[1], rope, heads);
        return outProj.forward(cx, Attention.apply(q, k, qkv[2], heads));
    }
}
