package imfengine.backend;

/**
 * One AdamW update's constants. {@code step} counts from 1; the bias corrections
 * {@code 1 − β^step} are folded into the learning rate the kernel applies.
 */
public record AdamWStep(float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
    public AdamWStep {
        if (step < 1) throw new IllegalArgumentException("AdamW step counts from 1, got " + step);
    }

    /** {@code 1 − β1^step}. */
    public double biasCorrection1() { return 1 - Math.pow(beta1, step); }

    /** {@code 1 − β2^step}. */
    public double biasCorrection2() { return 1 - Math.pow(beta2, step); }
}
