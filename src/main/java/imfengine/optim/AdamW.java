package imfengine.optim;

import imfengine.backend.AdamWStep;
import imfengine.nn.Parameter;
import imfengine.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with the paper's β1 = 0.9, β2 = 0.95 and weight decay 0 by default; moments live beside
 * each parameter (outside any memory scope) and are part of a checkpoint.
 */
public final class AdamW {
    public static final float BETA1 = 0.9f, BETA2 = 0.95f, EPS = 1e-8f;

    private final List<Parameter> params;
    private final Map<String, Tensor> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private final float weightDecay;
    private long step;

    public AdamW(List<Parameter> params, float weightDecay) {
        this.params = params;
        this.weightDecay = weightDecay;
        for (Parameter p : params) {
            m.put(p.name(), p.value().backend().zeros(p.value().shape()));
            v.put(p.name(), p.value().backend().zeros(p.value().shape()));
        }
    }

    /** Applies one update with learning rate {@code lr} to every parameter that received a gradient. */
    public void step(double lr) {
        step++;
        AdamWStep s = new AdamWStep((float) lr, BETA1, BETA2, EPS, weightDecay, step);
        for (Parameter p : params) {
            if (p.grad() == null) continue;
            p.value().backend().adamw(p.value(), p.grad(), m.get(p.name()), v.get(p.name()), s);
        }
    }

    public void zeroGrad() {
        for (Parameter p : params) p.var().zeroGrad();
    }

    public long stepCount() { return step; }

    public void restore(long stepCount) { this.step = stepCount; }

    public Map<String, Tensor> firstMoments() { return m; }

    public Map<String, Tensor> secondMoments() { return v; }
}
