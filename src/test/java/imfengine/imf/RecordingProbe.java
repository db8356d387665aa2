package imfengine.imf;

import imfengine.tensor.Host;
import imfengine.tensor.Tensor;

/** A {@link StepProbe} that copies every stop-gradient quantity of a step to the host as it is handed over. */
final class RecordingProbe implements StepProbe {
    float[] z, target, tangent, du, weightU, weightV;
    int[] labels;

    @Override public void interpolated(Tensor t) { z = Host.floats(t); }

    @Override public void guidedTarget(Tensor t) { target = Host.floats(t); }

    @Override public void jvpTangent(Tensor t) { tangent = Host.floats(t); }

    @Override public void du(Tensor t) { du = Host.floats(t); }

    @Override public void adaptiveWeights(Tensor u, Tensor v) {
        weightU = Host.floats(u);
        weightV = v == null ? null : Host.floats(v);
    }

    @Override public void labelsAfterDropout(Tensor t) { labels = Host.ints(t); }
}
