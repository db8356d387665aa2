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

    /** Xavier-uniform for a convolution {@code [out, in, kh, kw]}: bound √(6/(fan_in+fan_out)) with receptive field. */
    static Init xavierUniform(RandomStream rng) {
        return (be, s) -> {
            long receptive = s.size() / ((long) s.dim(0) * s.dim(1));
            double fanIn = (double) s.dim(1) * receptive, fanOut = (double) s.dim(0) * receptive;
            double bound = Math.sqrt(6.0 / (fanIn + fanOut));
            float[] v = new float[s.intSize()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (bound * (2 * rng.uniformDouble() - 1));
            return be.fromArray(v, s);
        };
    }

    /** Makes the {@code N(0, (c²)/fan_in)} initialiser the authors call "scaled variance". */
    @FunctionalInterface
    interface Factory {
        Init scaled(int fanIn);

        static Factory scaledVariance(RandomStream rng, double constant) {
            return fanIn -> normal(rng, constant / Math.sqrt(fanIn));
        }
    }
}
