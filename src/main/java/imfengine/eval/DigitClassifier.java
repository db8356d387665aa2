package imfengine.eval;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.GradMode;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.data.BatchSampler;
import imfengine.data.Dataset;
import imfengine.nn.Init;
import imfengine.nn.Linear;
import imfengine.nn.Module;
import imfengine.ops.Activations;
import imfengine.ops.CrossEntropy;
import imfengine.optim.AdamW;
import imfengine.random.RandomStream;
import imfengine.tensor.MemoryScope;
import imfengine.tensor.Shape;

/**
 * A small MLP classifier (pixels → 512 → 512 → classes, SiLU), trained with this engine on the
 * real training digits; {@code eval} uses it to read generated digits. Its accuracy on the
 * held-out real digits is reported next to it, so the figure can be trusted.
 */
public final class DigitClassifier extends Module {
    private final Linear fc1, fc2, fc3;
    private final int pixels;

    public DigitClassifier(Backend be, int pixels, int classes, long seed) {
        super("classifier", be);
        this.pixels = pixels;
        RandomStream rng = new RandomStream(seed, 0xC1A55L);
        Init.Factory init = Init.Factory.scaledVariance(rng, 1.0);
        this.fc1 = register(new Linear(child("fc1"), be, pixels, 512, true, init.scaled(pixels)));
        this.fc2 = register(new Linear(child("fc2"), be, 512, 512, true, init.scaled(512)));
        this.fc3 = register(new Linear(child("fc3"), be, 512, classes, true, init.scaled(512)));
    }

    public Var logits(Var x) {
        return fc3.forward(Activations.silu(fc2.forward(Activations.silu(fc1.forward(x)))));
    }

    /** Trains for {@code epochs} passes with AdamW (lr 1e-3, batch 128). */
    public void train(Dataset data, int epochs, long seed) {
        AdamW adam = new AdamW(parameters(), 0f);
        BatchSampler sampler = new BatchSampler(data.count(), seed);
        int b = 128, steps = epochs * data.count() / b;
        float[] images = new float[b * pixels];
        int[] labels = new int[b], idx = new int[b];
        for (int s = 0; s < steps; s++) {
            sampler.next(idx);
            data.fillBatch(idx, images, labels);
            try (MemoryScope scope = MemoryScope.open()) {
                Var loss = CrossEntropy.mean(logits(Var.constant(backend().fromArray(images, Shape.of(b, pixels)))), labels);
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
            try (GradMode off = GradMode.off(); MemoryScope scope = MemoryScope.open()) {
                int[] p = CrossEntropy.argmax(logits(Var.constant(backend().fromArray(part, Shape.of(m, pixels)))).value());
                System.arraycopy(p, 0, out, start, m);
            }
        }
        return out;
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
