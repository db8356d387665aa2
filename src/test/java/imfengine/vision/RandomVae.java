package imfengine.vision;

import imfengine.io.HostArray;
import imfengine.io.Safetensors;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A decoder file of random weights in the real layout (current attention names), for tests that need a file the
 * CLI reads (it fixes 32 groups, so widths must be multiples of 32). Uniform ±1/√fan-in like PyTorch's default
 * initialisation; norms near the identity.
 */
public final class RandomVae {
    private final SplittableRandom random;
    private final Map<String, HostArray> w = new LinkedHashMap<>();

    private RandomVae(long seed) { this.random = new SplittableRandom(seed); }

    /** Writes the decoder of {@code blockChannels} (narrowest first) with {@code resnets} per up block to {@code file}. */
    public static void write(Path file, int[] blockChannels, int resnets, long seed) {
        RandomVae r = new RandomVae(seed);
        int top = blockChannels[blockChannels.length - 1];
        r.conv("post_quant_conv", 4, 4, 1);
        r.conv("decoder.conv_in", top, 4, 3);
        r.resnet("decoder.mid_block.resnets.0", top, top);
        r.norm(VaeWeights.ATTENTION + "group_norm", top);
        for (String p : new String[]{"to_q", "to_k", "to_v", "to_out.0"}) {
            r.put(VaeWeights.ATTENTION + p + ".weight", 1 / Math.sqrt(top), top, top);
            r.put(VaeWeights.ATTENTION + p + ".bias", 1 / Math.sqrt(top), top);
        }
        r.resnet("decoder.mid_block.resnets.1", top, top);
        int in = top;
        for (int i = 0; i < blockChannels.length; i++) {
            int out = blockChannels[blockChannels.length - 1 - i];
            for (int j = 0; j < resnets; j++) r.resnet(VaeWeights.up(i) + "resnets." + j, j == 0 ? in : out, out);
            if (i < blockChannels.length - 1) r.conv(VaeWeights.up(i) + "upsamplers.0.conv", out, out, 3);
            in = out;
        }
        r.norm("decoder.conv_norm_out", blockChannels[0]);
        r.conv("decoder.conv_out", 3, blockChannels[0], 3);
        Safetensors.write(file, r.w, Map.of("source", "imfengine.vision.RandomVae"));
    }

    private void resnet(String name, int in, int out) {
        norm(name + ".norm1", in);
        conv(name + ".conv1", out, in, 3);
        norm(name + ".norm2", out);
        conv(name + ".conv2", out, out, 3);
        if (in != out) conv(name + ".conv_shortcut", out, in, 1);
    }

    private void conv(String name, int out, int in, int k) {
        double bound = 1 / Math.sqrt(in * k * k);
        put(name + ".weight", bound, out, in, k, k);
        put(name + ".bias", bound, out);
    }

    private void norm(String name, int c) {
        float[] g = new float[c], b = new float[c];
        for (int i = 0; i < c; i++) {
            g[i] = (float) (1 + 0.2 * (2 * random.nextDouble() - 1));
            b[i] = (float) (0.2 * (2 * random.nextDouble() - 1));
        }
        w.put(name + ".weight", new HostArray(new int[]{c}, g));
        w.put(name + ".bias", new HostArray(new int[]{c}, b));
    }

    private void put(String name, double bound, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (bound * (2 * random.nextDouble() - 1));
        w.put(name, new HostArray(shape, a));
    }
}
