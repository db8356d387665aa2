package imfengine.imf;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

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

    /** Every field as checkpoint metadata, so that a resumed run keeps its own objective. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("objective", objective.name().toLowerCase(Locale.ROOT));
        m.put("v_source", vSource.name().toLowerCase(Locale.ROOT));
        m.put("p_mean", "" + pMean);
        m.put("p_std", "" + pStd);
        m.put("data_proportion", "" + dataProportion);
        m.put("s_max", "" + sMax);
        m.put("cfg_beta", "" + cfgBeta);
        m.put("class_dropout", "" + classDropout);
        m.put("norm_p", "" + normP);
        m.put("norm_eps", "" + normEps);
        m.put("mf_omega", "" + mfOmega);
        return m;
    }

    /** The objective of {@link #toMetadata}; a key that is absent (a checkpoint from before it was saved) keeps the paper's value. */
    public static ObjectiveConfig fromMetadata(Map<String, String> m) {
        ObjectiveConfig d = paper();
        try {
            return new ObjectiveConfig(number(m, "p_mean", d.pMean), number(m, "p_std", d.pStd),
                    number(m, "data_proportion", d.dataProportion), number(m, "s_max", d.sMax), number(m, "cfg_beta", d.cfgBeta),
                    number(m, "class_dropout", d.classDropout), number(m, "norm_p", d.normP), number(m, "norm_eps", d.normEps),
                    m.containsKey("v_source") ? VSource.valueOf(m.get("v_source").toUpperCase(Locale.ROOT)) : d.vSource,
                    m.containsKey("objective") ? Objective.valueOf(m.get("objective").toUpperCase(Locale.ROOT)) : d.objective,
                    number(m, "mf_omega", d.mfOmega));
        } catch (IllegalArgumentException e) { // also NumberFormatException
            throw new IllegalArgumentException("objective settings invalid in metadata: " + e.getMessage());
        }
    }

    private static double number(Map<String, String> m, String key, double absent) {
        return m.containsKey(key) ? Double.parseDouble(m.get(key)) : absent;
    }

    /** ω from {@code u ~ U[0,1)} under {@code p(ω) ∝ ω^−β} on {@code [1, 1 + s_max]}. */
    public double omega(double u) {
        if (cfgBeta == 1.0) return Math.pow(1 + sMax, u);
        double a = Math.pow(1 + sMax, 1 - cfgBeta) - 1;
        return Math.pow(1 + u * a, 1 / (1 - cfgBeta));
    }
}
