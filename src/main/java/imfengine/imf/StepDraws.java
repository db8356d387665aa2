package imfengine.imf;

import imfengine.random.RandomStream;

/**
 * All random draws of one training step (IMF_SPEC.md §2, points 1–6), made on the host from
 * counter-based streams keyed by (seed, step), so a resumed run draws exactly the same values.
 */
public record StepDraws(float[] t, float[] r, int fmCount, float[] noise, float[] tMin, float[] tMax,
                        float[] omega, int dropCount) {

    private static final int TIMES = 1, NOISE = 2, INTERVAL = 3, OMEGA = 4, DROP = 5;

    public static StepDraws draw(ObjectiveConfig c, int batch, int pixels, long seed, long step) {
        RandomStream times = RandomStream.forStep(seed, step, TIMES);
        float[] t = new float[batch], r = new float[batch];
        int fm = (int) Math.floor(batch * c.dataProportion());
        for (int i = 0; i < batch; i++) {
            double s1 = sigmoid(times.normal() * c.pStd() + c.pMean()), s2 = sigmoid(times.normal() * c.pStd() + c.pMean());
            t[i] = (float) Math.max(s1, s2);
            r[i] = i < fm ? t[i] : (float) Math.min(s1, s2); // the leading examples are flow-matching (r = t)
        }
        float[] e = new float[batch * pixels];
        RandomStream.forStep(seed, step, NOISE).fillNormal(e);
        RandomStream interval = RandomStream.forStep(seed, step, INTERVAL);
        float[] tMin = new float[batch], tMax = new float[batch];
        for (int i = 0; i < batch; i++) {
            float lo = 0.5f * interval.uniform(), hi = 0.5f + 0.5f * interval.uniform();
            tMin[i] = i < fm ? 0f : lo;
            tMax[i] = i < fm ? 1f : hi;
        }
        RandomStream om = RandomStream.forStep(seed, step, OMEGA);
        float[] omega = new float[batch];
        for (int i = 0; i < batch; i++) omega[i] = (float) c.omega(om.uniformDouble());
        RandomStream drop = RandomStream.forStep(seed, step, DROP);
        int nDrop = 0;
        for (int i = 0; i < batch; i++) if (drop.uniform() < c.classDropout()) nDrop++;
        return new StepDraws(t, r, fm, e, tMin, tMax, omega, nDrop);
    }

    private static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }
}
