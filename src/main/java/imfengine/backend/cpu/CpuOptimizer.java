package imfengine.backend.cpu;

import imfengine.backend.AdamWStep;

/** Parameter updates: AdamW and EMA, elementwise (plain loops the JIT vectorises). */
final class CpuOptimizer {
    private static final int GRAIN = 1 << 15;
    private final WorkerPool pool;

    CpuOptimizer(WorkerPool pool) {
        this.pool = pool;
    }

    void adamw(float[] p, float[] g, float[] m, float[] v, AdamWStep s, int n) {
        float b1 = s.beta1(), b2 = s.beta2(), eps = s.eps(), lr = s.lr(), wd = s.weightDecay();
        float c1 = (float) (1 / s.biasCorrection1()), c2 = (float) (1 / s.biasCorrection2());
        pool.parallelForGuided(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = g[i];
                float mi = b1 * m[i] + (1 - b1) * gi;
                float vi = b2 * v[i] + (1 - b2) * gi * gi;
                m[i] = mi;
                v[i] = vi;
                p[i] -= lr * (mi * c1 / ((float) Math.sqrt(vi * c2) + eps) + wd * p[i]);
            }
        });
    }

    void ema(float[] ema, float[] p, float decay, int n) {
        float keep = decay, take = 1 - decay;
        pool.parallelForGuided(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) ema[i] = keep * ema[i] + take * p[i];
        });
    }
}
