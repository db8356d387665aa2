package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Attention;
import imfengine.ops.Rope;
import imfengine.ops.RopeTable;
import imfengine.ops.Shapes;
import imfengine.tensor.Shape;

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

    public Var forward(Context cx, Var x, RopeTable rope) {
        Var[] qkv = Linear.forwardAll(cx, x, qProj, kProj, vProj);
        Var q = Rope.apply(perHead(cx, qNorm, qkv[0]), rope, heads);
        Var k = Rope.apply(perHead(cx, kNorm, qkv[1]), rope, heads);
        return outProj.forward(cx, Attention.apply(q, k, qkv[2], heads));
    }

    /** RMSNorm over each head's channels: view [B, L, H, Dh], normalise, view back. */
    private Var perHead(Context cx, RmsNormLayer norm, Var t) {
        Shape s = t.shape();
        Var heads4 = Shapes.reshape(t, Shape.of(s.dim(0), s.dim(1), heads, headDim));
        return Shapes.reshape(norm.forward(cx, heads4), s);
    }
}
