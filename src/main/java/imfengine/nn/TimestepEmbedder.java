package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Activations;
import imfengine.ops.TimestepFeatures;

/** A scalar per example → 256 sinusoidal features → Linear(256→D) → SiLU → Linear(D→D). */
public final class TimestepEmbedder extends Module {
    public static final int FREQUENCY_DIM = 256;
    private final Linear fc1, fc2;

    public TimestepEmbedder(String prefix, Backend be, int dim, Init.Factory init) {
        super(prefix, be);
        this.fc1 = register(new Linear(child("mlp.0"), be, FREQUENCY_DIM, dim, true, init.scaled(FREQUENCY_DIM)));
        this.fc2 = register(new Linear(child("mlp.2"), be, dim, dim, true, init.scaled(dim)));
    }

    /** {@code s [B]} → {@code [B, D]}. */
    public Var forward(Context cx, Var s) {
        return fc2.forward(cx, Activations.silu(fc1.forward(cx, TimestepFeatures.of(s, FREQUENCY_DIM))));
    }
}
