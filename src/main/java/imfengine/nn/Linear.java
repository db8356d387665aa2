package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.ops.Matmul;
import imfengine.tensor.Shape;

/** {@code y = x·Wᵀ + b} with {@code W [out, in]} (PyTorch layout). */
public final class Linear extends Module {
    private final Parameter weight;
    private final Parameter bias;

    public Linear(String prefix, Backend be, int in, int out, boolean bias, Init weightInit) {
        super(prefix, be);
        this.weight = parameter("weight", Shape.of(out, in), weightInit);
        this.bias = bias ? parameter("bias", Shape.of(out), Init.zeros()) : null;
    }

    public Var forward(Context cx, Var x) {
        return Matmul.linear(x, weight.in(cx), bias == null ? null : bias.in(cx));
    }

    /** Bias-free layers of one input, in one backend call that may read {@code x} once for all ({@link Matmul#linears}). */
    static Var[] forwardAll(Context cx, Var x, Linear... layers) {
        Var[] weights = new Var[layers.length];
        for (int i = 0; i < layers.length; i++) {
            if (layers[i].bias != null) throw new IllegalStateException(layers[i].weight.name() + ": forwardAll takes bias-free layers");
            weights[i] = layers[i].weight.in(cx);
        }
        return Matmul.linears(x, weights);
    }

    public Parameter weight() { return weight; }
}
