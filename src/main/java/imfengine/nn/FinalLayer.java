package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;

/** RMSNorm then a zero-initialised Linear(D → p·p·C). */
public final class FinalLayer extends Module {
    private final RmsNormLayer norm;
    private final Linear linear;

    public FinalLayer(String prefix, Backend be, int dim, int patchDim) {
        super(prefix, be);
        this.norm = register(new RmsNormLayer(child("norm"), be, dim));
        this.linear = register(new Linear(child("linear"), be, dim, patchDim, true, Init.zeros()));
    }

    public Var forward(Context cx, Var x) { return linear.forward(cx, norm.forward(cx, x)); }
}
