package imfengine.optim;

import imfengine.nn.ParameterStore;
import imfengine.tensor.Tensor;

import java.util.Map;

/**
 * Exponential moving average of the parameters, used for sampling: one flat buffer in the layout of
 * the model's {@link ParameterStore}, updated by one kernel launch. The effective decay is
 * {@code min(decay, (1 + n)/(10 + n))} after {@code n} updates, so short runs are not dominated by
 * the initial weights (the paper's 0.9999 assumes hundreds of thousands of steps).
 */
public final class Ema {
    private final ParameterStore store;
    private final Tensor shadow;
    private final double decay;
    private long updates;

    public Ema(ParameterStore store, double decay) {
        if (!(decay >= 0 && decay < 1)) throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
        this.store = store;
        this.decay = decay;
        this.shadow = store.newBuffer(0);
        store.backend().copy(store.values(), shadow);
    }

    public void update() {
        updates++;
        float d = (float) Math.min(decay, (1.0 + updates) / (10.0 + updates));
        store.backend().emaUpdate(shadow, store.values(), d);
    }

    /** Name → EMA view of each parameter. */
    public Map<String, Tensor> weights() { return store.views(shadow); }

    public long updates() { return updates; }

    public void restore(long updates) { this.updates = updates; }

    public double decay() { return decay; }
}
