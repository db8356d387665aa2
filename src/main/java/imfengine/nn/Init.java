package imfengine.nn;

import imfengine.backend.Backend;
import imfengine.random.RandomStream;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/** How a parameter starts. Draws come from one seeded stream, so one seed fixes the whole model. */
@FunctionalInterface
public interface Init {
    Tensor create(Backend backend, Shape shape);

    static Init zeros() { return Backend::zeros; }

    static Init ones() {
        return (be, s) -> {
            Tensor t = be.empty(s);
            be.fill(t, 1f);
            return t;
        };
    }

    /** {@code N(0, std²)}. */
    static Init normal(RandomStream rng, double std) {
        return (be, s) -> {
            float[] v = new float[s.intSize()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (std * rng.normal());
            return be.fromArray(v, s);
        };
    }

    /**
     * Xavier-uniform {@code U(−b, b)}, {@code b = √(6/(fanIn + fanOut))}, with the fans given by the
     * caller rather than read off the shape: a conv-shaped weight used as a Linear (the patch
     * embedder) must count its fans as the Linear's, not as a convolution's.
     */
    static Init xavierUniform(RandomStream rng, long fanIn, long fanOut) {
        double bound = xavierBound(fanIn, fanOut);
        return (be, s) -> {
            float[] v = new float[s.intSize()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (bound * (2 * rng.uniformDouble() - 1));
            return be.fromArray(v, s);
        };
    }

    static double xavierBound(long fanIn, long fanOut) { return Math.sqrt(6.0 / (fanIn + fanOut)); }

    /** Makes the {@code N(0, (c²)/fan_in)} initialiser the authors call "scaled variance". */
    @FunctionalInterface
    interface Factory {
        Init scaled(int fanIn);

        static Factory scaledVariance(RandomStream rng, double constant) {
            return fanIn -> normal(rng, constant / Math.sqrt(fanIn));
        }
    }
}
