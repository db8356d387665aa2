package imfengine.imf;

import imfengine.autodiff.GradMode;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.nn.ImfDiT;
import imfengine.random.RandomStream;
import imfengine.tensor.MemoryScope;
import imfengine.tensor.Shape;

/**
 * Sampling (IMF_SPEC.md §3): {@code z ~ N(0, I)} at {@code t = 1}, then N equal steps
 * {@code z ← z − (t_i − t_{i+1})·u(z, h = t_i − t_{i+1}, ω, t_min, t_max, y)}; N = 1 is one network
 * evaluation. Only the u-head runs.
 */
public final class Sampler {
    private Sampler() {}

    /** Guidance settings chosen at sampling time. */
    public record Guidance(float omega, float tMin, float tMax) {
        /**
         * The default of {@code sample}, {@code eval} and the grid {@code train} ends with, chosen by the
         * ω × interval sweep of docs/SAMPLING.md (class accuracy of 1-NFE xs samples on MNIST).
         */
        public static final Guidance DEFAULT = new Guidance(4f, 0f, 1f);

        public Guidance {
            if (!(omega >= 1)) throw new IllegalArgumentException("omega must be >= 1, got " + omega);
            if (!(tMin >= 0 && tMax <= 1 && tMin <= tMax))
                throw new IllegalArgumentException("interval must satisfy 0 <= t_min <= t_max <= 1, got [" + tMin + ", " + tMax + "]");
        }
    }

    /** The {@code t = 1} draw {@code z ~ N(0, I)} that sampling with {@code seed} starts from. */
    public static float[] initialNoise(Shape img, long seed) {
        float[] z = new float[img.intSize()];
        new RandomStream(seed, 0x5A3DL).fillNormal(z);
        return z;
    }

    /** Samples {@code labels.length} images; returns them flattened {@code [N, H, W, C]} (model scale, ~[−1, 1]). */
    public static float[] sample(ImfDiT net, int[] labels, Guidance g, int steps, long seed) {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        int n = labels.length;
        Shape img = ImfObjective.imageShape(net, n);
        float[] z = initialNoise(img, seed);
        Backend be = net.backend();
        int p = z.length / Math.max(1, n);
        for (int i = 0; i < steps; i++) {
            float t = 1f - (float) i / steps, r = 1f - (float) (i + 1) / steps, h = t - r;
            try (GradMode off = GradMode.off(); MemoryScope scope = MemoryScope.open()) {
                Var zVar = Var.constant(be.fromArray(z, img));
                Var hVar = Var.constant(be.fromArray(ImfObjective.filled(n, h), Shape.of(n)));
                ImfDiT.Conditions c = new ImfDiT.Conditions(ImfObjective.filled(n, g.omega()),
                        ImfObjective.filled(n, g.tMin()), ImfObjective.filled(n, g.tMax()), labels);
                float[] u = be.toArray(net.forward(zVar, hVar, c, ImfDiT.Heads.U).u().value());
                for (int j = 0; j < z.length; j++) z[j] -= h * u[j];
            }
        }
        return z;
    }
}
