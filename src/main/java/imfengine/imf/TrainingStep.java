package imfengine.imf;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Context;
import imfengine.nn.ImfDiT;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Tensor;

/**
 * One optimisation step on a batch already on the device: the step's draws, the loss, the backward
 * pass into the parameters' gradient buffer, AdamW, cleared gradients and the EMA update. The trainer
 * and {@code bench} run exactly this.
 */
public final class TrainingStep {
    private final ImfDiT net;
    private final ImfObjective objective;
    private final AdamW adam;
    private final Ema ema;
    private final long seed;

    public TrainingStep(ImfDiT net, ImfObjective objective, AdamW adam, Ema ema, long seed) {
        this.net = net;
        this.objective = objective;
        this.adam = adam;
        this.ema = ema;
        this.seed = seed;
    }

    /** Step number {@code step} (its draws) at learning rate {@code lr}; the loss and MSEs stay in {@code cx}. */
    public ImfObjective.Result run(Context cx, Tensor images, Tensor labels, long step, double lr) {
        StepDraws d = StepDraws.draw(cx, objective.config(), images.shape(), seed, step, 0);
        ImfObjective.Result r = objective.loss(cx, net, images, labels, d);
        Autodiff.backward(r.loss());
        adam.step(lr);
        adam.zeroGrad();
        ema.update();
        return r;
    }
}
