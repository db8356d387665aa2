package imfengine.optim;

import imfengine.backend.AdamWStep;
import imfengine.nn.ParameterStore;
import imfengine.tensor.Tensor;

import java.util.Map;

/**
 * AdamW with the paper's β1 = 0.9, β2 = 0.95 and weight decay 0 by default. The moments are flat
 * buffers in the layout of the model's {@link ParameterStore}, so a step is one kernel launch over
 * every parameter. A parameter that received no gradient has zero moments and so does not move
 * (with weight decay 0). The moments are part of a checkpoint.
 */
public final class AdamW {
    public static final float BETA1 = 0.9f, BETA2 = 0.95f, EPS = 1e-8f;

    private final ParameterStore store;
    private final Tensor m, v;
    private final float weightDecay;
    private long step;

    public AdamW(ParameterStore store, float weightDecay) {
        this.store = store;
        this.weightDecay = weightDecay;
        this.m = store.newBuffer(0);
        this.v = store.newBuffer(0);
    }

    /** Applies one update with learning rate {@code lr} to every parameter. */
    public void step(double lr) {
        step++;
        AdamWStep s = new AdamWStep((float) lr, BETA1, BETA2, EPS, weightDecay, step);
        store.backend().adamw(store.values(), store.gradients(), m, v, s);
    }

    /** Clears every gradient (one fill of the flat buffer). */
    public void zeroGrad() { store.zeroGradients(); }

    public long stepCount() { return step; }

    public void restore(long stepCount) { this.step = stepCount; }

    /** Name → first-moment view of each parameter (for checkpoints). */
    public Map<String, Tensor> firstMoments() { return store.views(m); }

    /** Name → second-moment view of each parameter. */
    public Map<String, Tensor> secondMoments() { return store.views(v); }
}
