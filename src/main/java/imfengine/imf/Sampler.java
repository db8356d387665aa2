package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.Backend;
import imfengine.backend.Distribution;
import imfengine.backend.RandomKey;
import imfengine.nn.ChunkedForward;
import imfengine.nn.ImfDiT;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Sampling (IMF_SPEC.md §3): {@code z ~ N(0, I)} at {@code t = 1}, then N equal steps
 * {@code z ← z − (t_i − t_{i+1})·u(z, h = t_i − t_{i+1}, ω, t_min, t_max, y)}; N = 1 is one network
 * evaluation. Only the u-head runs; everything stays on the device until the caller downloads the result.
 */
public final class Sampler {
    /** The {@link RandomKey} purpose of the initial noise. */
    static final int NOISE = 0x5A;

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

    /** The {@code t = 1} draw {@code z ~ N(0, I)} that sampling with {@code seed} starts from, in {@code cx}. */
    public static Tensor initialNoise(Context cx, Shape img, long seed) { return initialNoise(cx, img, seed, 0); }

    /**
     * The initial noise of images {@code firstImage … firstImage + N − 1} of a run with {@code seed}: one normal
     * draw over all of the run's images, image after image, of which this is the piece, so an image's noise
     * depends on the seed and its index only, not on how the run is split into batches.
     */
    public static Tensor initialNoise(Context cx, Shape img, long seed, long firstImage) {
        if (firstImage < 0) throw new IllegalArgumentException("sample: first image " + firstImage + " < 0");
        Tensor z = cx.empty(img);
        long perImage = img.size() / img.dim(0);
        cx.backend().random(new RandomKey(seed, 0, 0, NOISE), Distribution.NORMAL, firstImage * perImage, z);
        return z;
    }

    /**
     * Samples one image per label of the I32 {@code labels [N]}; returns them {@code [N, H, W, C]}
     * (model scale, ~[−1, 1]) in {@code cx}, which need not record a tape.
     */
    public static Tensor sample(Context cx, ImfDiT net, Tensor labels, Guidance g, int steps, long seed) {
        return sample(cx, net, labels, g, steps, seed, 0);
    }

    /**
     * As above, for images {@code firstImage …} of a run drawn in batches: the same noise, hence the same
     * images, as one call for the whole run.
     */
    public static Tensor sample(Context cx, ImfDiT net, Tensor labels, Guidance g, int steps, long seed, long firstImage) {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (labels.dtype() != DType.I32) throw new IllegalArgumentException("sample: labels must be I32, got " + labels);
        int n = labels.dim(0);
        Tensor z = initialNoise(cx, net.imageShape(n), seed, firstImage);
        Backend be = cx.backend();
        Shape perExample = Shape.of(n);
        for (int i = 0; i < steps; i++) {
            float t = 1f - (float) i / steps, r = 1f - (float) (i + 1) / steps, h = t - r;
            try (Context s = cx.child(Context.Tape.OFF)) {
                ImfDiT.Conditions c = new ImfDiT.Conditions(s.full(perExample, g.omega()), s.full(perExample, g.tMin()),
                        s.full(perExample, g.tMax()), labels);
                Tensor u = ChunkedForward.evaluate(s, net, z, s.full(perExample, h), c, ImfDiT.Heads.U);
                be.axpby(1f, z, -h, u, z); // z ← z − h·u
            }
        }
        return z;
    }
}
