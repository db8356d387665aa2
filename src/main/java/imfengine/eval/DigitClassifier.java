package imfengine.eval;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.data.BatchSampler;
import imfengine.data.Dataset;
import imfengine.nn.Init;
import imfengine.nn.Linear;
import imfengine.nn.Module;
import imfengine.nn.ParameterStore;
import imfengine.ops.Activations;
import imfengine.ops.CrossEntropy;
import imfengine.optim.AdamW;
import imfengine.nn.InitStreams;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;

/**
 * A small MLP classifier (pixels → 512 → 512 → classes, SiLU), trained with this engine on the
 * real training digits; {@code eval} uses it to read generated digits. Its accuracy on the
 * held-out real digits is reported next to it, so the figure can be trusted.
 */
public final class DigitClassifier extends Module {
    private final Linear fc1, fc2, fc3;
    private final int pixels, classes;
    private final ParameterStore store;

    public DigitClassifier(Backend be, int pixels, int classes, long seed) {
        super("classifier", be);
        this.pixels = pixels;
        this.classes = classes;
        InitStreams rng = new InitStreams(seed);
        Init.Factory init = Init.Factory.scaledVariance(rng, 1.0);
        this.fc1 = register(new Linear(child("fc1"), be, pixels, 512, true, init.scaled(pixels)));
        this.fc2 = register(new Linear(child("fc2"), be, 512, 512, true, init.scaled(512)));
        this.fc3 = register(new Linear(child("fc3"), be, 512, classes, true, init.scaled(512)));
        this.store = ParameterStore.pack(be, parameters());
    }

    public Var logits(Context cx, Var x) {
        return fc3.forward(cx, Activations.silu(fc2.forward(cx, Activations.silu(fc1.forward(cx, x)))));
    }

    /** Trains for {@code epochs} passes with AdamW (lr 1e-3, batch 128). */
    public void train(Dataset data, int epochs, long seed) {
        AdamW adam = new AdamW(store, 0f);
        BatchSampler sampler = new BatchSampler(data.count(), seed);
        int b = 128, steps = epochs * data.count() / b;
        float[] images = new float[b * pixels];
        int[] labels = new int[b], idx = new int[b];
        for (int s = 0; s < steps; s++) {
            sampler.next(idx);
            data.fillBatch(idx, images, labels);
            try (Context cx = Context.open(backend(), Context.Tape.RECORD)) {
                Var loss = CrossEntropy.mean(logits(cx, cx.constant(Host.upload(cx, images, Shape.of(b, pixels)))), Host.upload(cx, labels));
                Autodiff.backward(loss);
                adam.step(1e-3);
                adam.zeroGrad();
            }
        }
    }

    /** Predicted class of each image ({@code n × pixels}, values in [−1, 1]). */
    public int[] predict(float[] images, int n) {
        int[] out = new int[n];
        int chunk = 500;
        for (int start = 0; start < n; start += chunk) {
            int m = Math.min(chunk, n - start);
            float[] part = java.util.Arrays.copyOfRange(images, start * pixels, (start + m) * pixels);
            try (Context cx = Context.open(backend(), Context.Tape.OFF)) {
                float[] z = Host.floats(logits(cx, cx.constant(Host.upload(cx, part, Shape.of(m, pixels)))).value());
                for (int i = 0; i < m; i++) out[start + i] = argmax(z, i * classes, classes);
            }
        }
        return out;
    }

    private static int argmax(float[] z, int off, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) if (z[off + j] > z[off + best]) best = j;
        return best;
    }

    /** Fraction of {@code data} classified correctly. */
    public double accuracy(Dataset data) {
        int n = data.count();
        int[] idx = new int[n], labels = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        float[] images = new float[n * pixels];
        data.fillBatch(idx, images, labels);
        return agreement(predict(images, n), labels);
    }

    public static double agreement(int[] predicted, int[] labels) {
        int ok = 0;
        for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) ok++;
        return (double) ok / labels.length;
    }
}
