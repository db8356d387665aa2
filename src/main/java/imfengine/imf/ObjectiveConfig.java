package imfengine.imf;

/**
 * Every constant of the training step (IMF_SPEC.md §2), with the paper's values as defaults, and
 * the ablation switches of §7.
 */
public record ObjectiveConfig(double pMean, double pStd, double dataProportion, double sMax, double cfgBeta,
                              double classDropout, double normP, double normEps,
                              VSource vSource, Objective objective, double mfOmega) {

    /** Where the instantaneous velocity {@code v} comes from. */
    public enum VSource { HEAD, BOUNDARY }

    /** iMF, or the original MeanFlow objective as a baseline. */
    public enum Objective { IMF, MF }

    public static ObjectiveConfig paper() {
        return new ObjectiveConfig(-0.4, 1.0, 0.5, 7.0, 1.0, 0.1, 1.0, 0.01, VSource.HEAD, Objective.IMF, 2.0);
    }

    public ObjectiveConfig with(VSource v, Objective o) {
        return new ObjectiveConfig(pMean, pStd, dataProportion, sMax, cfgBeta, classDropout, normP, normEps, v, o, mfOmega);
    }

    /** ω from {@code u ~ U[0,1)} under {@code p(ω) ∝ ω^−β} on {@code [1, 1 + s_max]}. */
    public double omega(double u) {
        if (cfgBeta == 1.0) return Math.pow(1 + sMax, u);
        double a = Math.pow(1 + sMax, 1 - cfgBeta) - 1;
        return Math.pow(1 + u * a, 1 / (1 - cfgBeta));
    }
}
