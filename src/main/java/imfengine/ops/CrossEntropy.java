package imfengine.ops;

import imfengine.autodiff.Var;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Mean softmax cross-entropy of logits {@code [B, K]} against integer labels. Tiny (B·K values),
 * so it runs on the host: forward {@code mean(logsumexp(z) − z_y)}, VJP {@code (softmax(z) − onehot(y))/B}.
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    public static Var mean(Var logits, int[] labels) {
        Shape s = logits.shape();
        if (s.rank() != 2 || s.dim(0) != labels.length)
            throw new IllegalArgumentException("cross-entropy: logits " + s + " do not match " + labels.length + " labels");
        int b = s.dim(0), k = s.dim(1);
        float[] z = logits.backend().toArray(logits.value());
        double[] p = new double[b * k];
        double loss = 0;
        for (int i = 0; i < b; i++) {
            if (labels[i] < 0 || labels[i] >= k) throw new IllegalArgumentException("cross-entropy: label " + labels[i] + " outside 0.." + (k - 1));
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < k; j++) max = Math.max(max, z[i * k + j]);
            for (int j = 0; j < k; j++) sum += p[i * k + j] = Math.exp(z[i * k + j] - max);
            for (int j = 0; j < k; j++) p[i * k + j] /= sum;
            loss += max + Math.log(sum) - z[i * k + labels[i]];
        }
        Tensor y = logits.backend().fromArray(new float[]{(float) (loss / b)}, Shape.of(1));
        return Var.result("crossEntropy", y, null, (g, needs) -> {
            float scale = logits.backend().toArray(g)[0] / b;
            float[] d = new float[b * k];
            for (int i = 0; i < b; i++)
                for (int j = 0; j < k; j++) d[i * k + j] = (float) (scale * (p[i * k + j] - (j == labels[i] ? 1 : 0)));
            return new Tensor[]{logits.backend().fromArray(d, s)};
        }, logits);
    }

    /** Index of the largest logit per row. */
    public static int[] argmax(Tensor logits) {
        int b = logits.shape().dim(0), k = logits.shape().dim(1);
        float[] z = logits.backend().toArray(logits);
        int[] out = new int[b];
        for (int i = 0; i < b; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) if (z[i * k + j] > z[i * k + best]) best = j;
            out[i] = best;
        }
        return out;
    }
}
