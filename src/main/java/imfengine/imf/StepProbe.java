package imfengine.imf;

import imfengine.tensor.Tensor;

/**
 * A window into one training step for tests and reference fixtures: the objective hands each
 * stop-gradient quantity to the probe while it is alive on the device (download it then if needed).
 * Production runs use {@link #NONE}, which looks at nothing.
 */
public interface StepProbe {
    StepProbe NONE = new StepProbe() {};

    /** {@code z = (1 − t)·x + t·e}. */
    default void interpolated(Tensor z) {}

    /** The regression target: {@code v_g} (iMF) or {@code u_tgt} (MeanFlow), after class dropout. */
    default void guidedTarget(Tensor target) {}

    /** The JVP tangent on {@code z}: {@code v_c} (iMF) or {@code ṽ} (MeanFlow). */
    default void jvpTangent(Tensor tangent) {}

    /** {@code du}, 0 on the leading examples with {@code h = 0} (not computed there: {@link DualForward}). */
    default void du(Tensor du) {}

    /** The adaptive weights {@code 1/(L + eps)^p} per example of the u-loss and of the v-loss (null without one). */
    default void adaptiveWeights(Tensor weightU, Tensor weightV) {}

    /** The labels after class dropout (I32). */
    default void labelsAfterDropout(Tensor labels) {}
}
