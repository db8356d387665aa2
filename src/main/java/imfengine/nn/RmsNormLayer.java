package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.NormRope;
import imfengine.ops.RmsNorm;
import imfengine.ops.RopeTable;
import imfengine.tensor.Shape;

/** RMSNorm over the last axis with a learned weight (init 1), eps 1e-6. */
public final class RmsNormLayer extends Module {
    public static final float EPS = 1e-6f;
    private final Parameter weight;

    public RmsNormLayer(String prefix, Backend be, int dim) {
        super(prefix, be);
        this.weight = parameter("weight", Shape.of(dim), Init.ones());
    }

    public Var forward(Context cx, Var x) { return RmsNorm.apply(x, weight.in(cx), EPS); }

    /**
     * This norm over each head's channels of {@code x [B, L, heads·Dh]} (the weight is {@code [Dh]}), then rotary
     * embedding: attention's QK-norm and RoPE in one op ({@link NormRope}).
     */
    public Var forwardRotated(Context cx, Var x, RopeTable rope, int heads) { return NormRope.apply(x, weight.in(cx), EPS, rope, heads); }
}
