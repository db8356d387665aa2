package imfengine.imf;

import imfengine.tensor.Host;
import imfengine.backend.Backend;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.nn.Parameter;
import imfengine.testing.OpCheck;
import imfengine.testing.Ref;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Small random imfDiTs for whole-network tests. */
final class TinyModels {
    private TinyModels() {}

    /** 8×8×1 images, 3 classes, D = 16, 2 heads, 2 shared blocks + 1-block heads, patch 4 (4 patches, L = 24). */
    static final ModelConfig TINY = new ModelConfig("tiny", 8, 1, 3, 16, 3, 2, 1, 4);

    /** A model whose every parameter, zero-initialised ones included, was perturbed. */
    static ImfDiT perturbed(Backend be, long seed, double scale) {
        ImfDiT net = new ImfDiT(TINY, be, seed, true);
        perturb(net, seed, scale);
        return net;
    }

    /** Adds {@code N(0, scale²)} noise to every parameter of {@code net}. */
    static void perturb(ImfDiT net, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Parameter p : net.parameters()) {
            float[] v = Host.floats(p.value());
            for (int i = 0; i < v.length; i++) v[i] += (float) (scale * OpCheck.gaussian(r));
            net.backend().upload(v, p.value());
        }
    }

    static Map<String, double[]> weights(ImfDiT net) {
        Map<String, double[]> m = new HashMap<>();
        for (Parameter p : net.parameters()) m.put(p.name(), Ref.toDouble(Host.floats(p.value())));
        return m;
    }

    static float[] images(int b, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[b * TINY.imageSize() * TINY.imageSize() * TINY.channels()];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * r.nextDouble() - 1);
        return x;
    }
}
