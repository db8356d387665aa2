package imfengine.optim;

import imfengine.nn.Parameter;
import imfengine.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exponential moving average of the parameters, used for sampling. The effective decay is
 * {@code min(decay, (1 + n)/(10 + n))} after {@code n} updates, so short runs are not dominated by
 * the initial weights (the paper's 0.9999 assumes hundreds of thousands of steps).
 */
public final class Ema {
    private final List<Parameter> params;
    private final Map<String, Tensor> shadow = new LinkedHashMap<>();
    private final double decay;
    private long updates;

    public Ema(List<Parameter> params, double decay) {
        if (!(decay >= 0 && decay < 1)) throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
        this.params = params;
        this.decay = decay;
        for (Parameter p : params) {
            Tensor t = p.value().backend().empty(p.value().shape());
            p.value().backend().copy(p.value(), t);
            shadow.put(p.name(), t);
        }
    }

    public void update() {
        updates++;
        float d = (float) Math.min(decay, (1.0 + updates) / (10.0 + updates));
        for (Parameter p : params) p.value().backend().emaUpdate(shadow.get(p.name()), p.value(), d);
    }

    public Map<String, Tensor> weights() { return shadow; }

    public long updates() { return updates; }

    public void restore(long updates) { this.updates = updates; }

    public double decay() { return decay; }
}
