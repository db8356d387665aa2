package imfengine.cli;

import imfengine.autodiff.Context;
import imfengine.imf.Sampler;
import imfengine.nn.ImfDiT;
import imfengine.tensor.Host;

/** The CLI's sampling: labels up, {@link Sampler} on the device, images down (the command's two transfers). */
final class HostSampling {
    private HostSampling() {}

    /** One image per label, flattened {@code [N, H, W, C]} at model scale (~[−1, 1]). */
    static float[] sample(ImfDiT net, int[] labels, Sampler.Guidance g, int steps, long seed) {
        return sample(net, labels, g, steps, seed, 0);
    }

    /** The same for images {@code firstImage …} of a run drawn in batches (their noise is the run's, see Sampler). */
    static float[] sample(ImfDiT net, int[] labels, Sampler.Guidance g, int steps, long seed, long firstImage) {
        try (Context cx = Context.open(net.backend(), Context.Tape.OFF)) {
            return Host.floats(Sampler.sample(cx, net, Host.upload(cx, labels), g, steps, seed, firstImage));
        }
    }
}
