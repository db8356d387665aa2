package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.SwiGlu;

/** {@code W2(silu(W1 x) ⊙ W3 x)}, bias-free. */
public final class SwiGluMlp extends Module {
    private final Linear w1, w2, w3;

    public SwiGluMlp(String prefix, Backend be, int dim, int hidden, Init.Factory init) {
        super(prefix, be);
        this.w1 = register(new Linear(child("w1"), be, dim, hidden, false, init.scaled(dim)));
        this.w3 = register(new Linear(child("w3"), be, dim, hidden, false, init.scaled(dim)));
        this.w2 = register(new Linear(child("w2"), be, hidden, dim, false, init.scaled(hidden)));
    }

    public Var forward(Context cx, Var x) {
        Var[] h = Linear.forwardAll(cx, x, w1, w3);
        return w2.forward(cx, SwiGlu.gate(h[0], h[1]));
    }
}
