package imfengine.nn;

import imfengine.backend.Backend;
import imfengine.backend.BinaryOp;
import imfengine.backend.Broadcast;
import imfengine.backend.Distribution;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * How a parameter starts. Random values are drawn by the backend, each tensor from its own stream of
 * the model's {@link InitStreams}, so one seed fixes the whole model on every backend.
 */
@FunctionalInterface
public interface Init {
    /** A new tensor owned by the caller (the model), initialised. */
    Tensor create(Backend backend, Shape shape);

    static Init zeros() { return (be, s) -> filled(be, s, 0); }

    static Init ones() { return (be, s) -> filled(be, s, 1); }

    /** {@code N(0, std²)}. */
    static Init normal(InitStreams streams, double std) {
        return (be, s) -> {
            Tensor t = be.allocate(s, DType.F32);
            be.random(streams.next(), Distribution.NORMAL, t);
            be.axpby((float) std, t, 0f, null, t);
            return t;
        };
    }

    /**
     * Xavier-uniform {@code U(−b, b)}, {@code b = √(6/(fanIn + fanOut))}, with the fans given by the
     * caller rather than read off the shape: a conv-shaped weight used as a Linear (the patch
     * embedder) must count its fans as the Linear's, not as a convolution's.
     */
    static Init xavierUniform(InitStreams streams, long fanIn, long fanOut) {
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        return (be, s) -> {
            Tensor t = be.allocate(s, DType.F32), shift = filled(be, Shape.of(1), -bound);
            be.random(streams.next(), Distribution.UNIFORM, t);
            be.axpby((float) (2 * bound), t, 0f, null, t);                            // U[0, 2·bound)
            be.binary(BinaryOp.ADD, t, shift, Broadcast.of("init", s, shift.shape()), t); // U[−bound, bound)
            shift.storage().release();
            return t;
        };
    }

    private static Tensor filled(Backend be, Shape s, double value) {
        Tensor t = be.allocate(s, DType.F32);
        be.fill(t, value);
        return t;
    }

    /** Makes the {@code N(0, (c²)/fan_in)} initialiser the authors call "scaled variance". */
    @FunctionalInterface
    interface Factory {
        Init scaled(int fanIn);

        static Factory scaledVariance(InitStreams streams, double constant) {
            return fanIn -> normal(streams, constant / Math.sqrt(fanIn));
        }
    }
}
