package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.autodiff.Op;
import imfengine.autodiff.Var;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

/**
 * Mean softmax cross-entropy of logits {@code [B, K]} against I32 labels {@code [B]}. Tiny (B·K values,
 * the digit classifier of {@code eval}), so it runs on the host: forward {@code mean(logsumexp(z) − z_y)},
 * VJP {@code (softmax(z) − onehot(y))/B}; the logits and labels are downloaded, the loss and the
 * gradient uploaded.
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    public static Var mean(Var logits, Tensor labels) {
        Shape s = logits.shape();
        if (s.rank() != 2 || labels.dtype() != DType.I32 || labels.size() != s.dim(0))
            throw new IllegalArgumentException("cross-entropy: logits " + s + " do not match labels " + labels);
        Context cx = Var.contextOf(logits);
        int b = s.dim(0), k = s.dim(1);
        float[] z = new float[b * k];
        int[] y = new int[b];
        cx.backend().download(logits.value(), z);
        cx.backend().download(labels, y);
        double[] p = new double[b * k];
        double loss = 0;
        for (int i = 0; i < b; i++) {
            if (y[i] < 0 || y[i] >= k) throw new IllegalArgumentException("cross-entropy: label " + y[i] + " outside 0.." + (k - 1));
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < k; j++) max = Math.max(max, z[i * k + j]);
            for (int j = 0; j < k; j++) sum += p[i * k + j] = Math.exp(z[i * k + j] - max);
            for (int j = 0; j < k; j++) p[i * k + j] /= sum;
            loss += max + Math.log(sum) - z[i * k + y[i]];
        }
        Tensor out = cx.empty(Shape.of(1));
        cx.backend().upload(new float[]{(float) (loss / b)}, out);
        return Var.result(cx, Op.CROSS_ENTROPY, out, null, (arena, g, needs) -> {
            float[] gh = new float[1];
            g.backend().download(g, gh);
            float scale = gh[0] / b;
            float[] d = new float[b * k];
            for (int i = 0; i < b; i++)
                for (int j = 0; j < k; j++) d[i * k + j] = (float) (scale * (p[i * k + j] - (j == y[i] ? 1 : 0)));
            Tensor dz = arena.empty(s);
            g.backend().upload(d, dz);
            return new Tensor[]{dz};
        }, logits);
    }
}
