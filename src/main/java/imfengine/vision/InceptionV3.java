package imfengine.vision;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.backend.Window2d;
import imfengine.io.FileFormatException;
import imfengine.io.HostArray;
import imfengine.io.PthFile;
import imfengine.ops.Reductions;
import imfengine.ops.Resampling;
import imfengine.ops.Shapes;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.vision.InceptionBlocks.Block;
import imfengine.vision.InceptionBlocks.Geometry;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torch-fidelity's FID feature extractor ({@code inception-v3-compat}, the TensorFlow 2015-12-05 graph as
 * {@code weights-inception-2015-12-05-6726825d.pth}), forward only, to its 2048-d pool3 features:
 * <pre>
 *   uint8 RGB [N, H, W, 3] → TF1 bilinear resize to 299×299 (host, {@link Tf1Resize}) → (x − 128)/128
 *   → stem: 3×3/2, 3×3, 3×3 same, max 3×3/2, 1×1, 3×3, max 3×3/2          (35×35)
 *   → Mixed_5b–5d (A) → Mixed_6a (B) → Mixed_6b–6e (C) → Mixed_7a (D) → Mixed_7b, 7c (E)   (8×8)
 *   → mean over the 8×8 pixels                                           [N, 2048]
 * </pre>
 * Every {@code BasicConv2d} has its BatchNorm (eps 10⁻³) folded into the convolution as the file loads. The
 * widths are read from the file (a narrower network with the same topology, as the tests use, loads too);
 * the kernel sizes are checked against the topology. {@code fc} (the logits) is not read: FID uses pool3.
 */
public final class InceptionV3 implements AutoCloseable {
    public static final int INPUT_SIZE = 299;
    /** Floats of one network input, {@code 3·299·299}. */
    public static final int INPUT_VALUES = 3 * INPUT_SIZE * INPUT_SIZE;
    static final double BN_EPS = 1e-3;

    private final Context weights;
    private final List<ConvBnRelu> stem;
    private final List<Block> blocks;
    private final int featureDim;

    private InceptionV3(Context weights, List<ConvBnRelu> stem, List<Block> blocks, int featureDim) {
        this.weights = weights;
        this.stem = stem;
        this.blocks = blocks;
        this.featureDim = featureDim;
    }

    /** Loads a torch-fidelity state dict ({@code .pth}) onto {@code backend}; one-line errors for a wrong file. */
    public static InceptionV3 load(Path file, Backend backend) {
        Context cx = Context.open(backend, Context.Tape.OFF);
        try (PthFile pth = PthFile.read(file)) {
            Map<String, PthFile.TensorRef> dict = stateDict(pth);
            InceptionBlocks.Convs convs = (name, g) -> conv(cx, pth, dict, name, g);
            List<ConvBnRelu> stem = List.of(convs.conv("Conv2d_1a_3x3", Geometry.valid(3, 2)), convs.conv("Conv2d_2a_3x3", Geometry.valid(3, 1)),
                    convs.conv("Conv2d_2b_3x3", Geometry.same(3)), convs.conv("Conv2d_3b_1x1", Geometry.K1),
                    convs.conv("Conv2d_4a_3x3", Geometry.valid(3, 1)));
            List<Block> blocks = new ArrayList<>();
            for (String p : new String[]{"Mixed_5b", "Mixed_5c", "Mixed_5d"}) blocks.add(InceptionBlocks.A.load(convs, p));
            blocks.add(InceptionBlocks.B.load(convs, "Mixed_6a"));
            for (String p : new String[]{"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"}) blocks.add(InceptionBlocks.C.load(convs, p));
            blocks.add(InceptionBlocks.D.load(convs, "Mixed_7a"));
            blocks.add(InceptionBlocks.E.load(convs, "Mixed_7b", false));
            InceptionBlocks.E last = InceptionBlocks.E.load(convs, "Mixed_7c", true);
            blocks.add(last);
            int dim = last.b1().outChannels() + 2 * last.b3a().outChannels() + 2 * last.d3a().outChannels() + last.pool().outChannels();
            return new InceptionV3(cx, stem, List.copyOf(blocks), dim);
        } catch (RuntimeException e) {
            cx.close();
            throw e;
        }
    }

    /** 2048 for the real network. */
    public int featureDim() { return featureDim; }

    /**
     * The pool3 features {@code [n, featureDim]} (host, row-major) of {@code n} RGB images {@code [n, h, w, 3]}
     * of uint8 values given as floats in [0, 255] (HWC, C order), resized here to 299×299.
     */
    public float[] features(float[] imagesHwc, int n, int h, int w) {
        if (imagesHwc.length != (long) n * h * w * 3)
            throw new IllegalArgumentException("inception: " + imagesHwc.length + " values are not " + n + " RGB images of " + h + "×" + w);
        float[] input = new float[n * INPUT_VALUES];
        for (int i = 0; i < n; i++)
            toInput(java.util.Arrays.copyOfRange(imagesHwc, i * h * w * 3, (i + 1) * h * w * 3), h, w, input, i * INPUT_VALUES);
        return features(input, n);
    }

    /** The features of {@code n} network inputs {@code [n, 3, 299, 299]} made by {@link #toInput}. */
    public float[] features(float[] input, int n) {
        if (input.length != (long) n * INPUT_VALUES)
            throw new IllegalArgumentException("inception: " + input.length + " values are not " + n + " inputs of 3×299×299");
        try (Context step = weights.child(Context.Tape.OFF)) {
            Var x = step.constant(Host.upload(step, input, Shape.of(n, 3, INPUT_SIZE, INPUT_SIZE)));
            x = inBlock(step, x, t -> {
                Var s = stem.get(2).apply(stem.get(1).apply(stem.get(0).apply(t)));
                s = Resampling.maxPool(s, new Window2d(3, 2, 0));
                return Resampling.maxPool(stem.get(4).apply(stem.get(3).apply(s)), new Window2d(3, 2, 0));
            });
            for (Block b : blocks) x = inBlock(step, x, b::apply);
            Shape s = x.shape(); // [n, C, 8, 8] → the mean over pixels
            return Host.floats(Reductions.meanLastAxis(Shapes.reshape(x, Shape.of(s.dim(0), s.dim(1), s.dim(2) * s.dim(3)))).value());
        }
    }

    /**
     * One RGB image {@code [h, w, 3]} of uint8 values in floats → the network's input {@code [3, 299, 299]} at
     * {@code out[offset…]}: CHW, TF1 resize to 299×299, then {@code (x − 128)/128} (exact: a power of two).
     */
    public static void toInput(float[] hwc, int h, int w, float[] out, int offset) {
        float[] chw = new float[3 * h * w];
        for (int p = 0; p < h * w; p++)
            for (int c = 0; c < 3; c++) chw[c * h * w + p] = hwc[p * 3 + c];
        Tf1Resize.resize(chw, 0, 3, h, w, out, offset, INPUT_SIZE, INPUT_SIZE);
        for (int i = offset; i < offset + INPUT_VALUES; i++) out[i] = (out[i] - 128f) / 128f;
    }

    /** Runs one block in a child context, so that only its output outlives it. */
    private static Var inBlock(Context step, Var x, java.util.function.UnaryOperator<Var> block) {
        try (Context b = step.child(Context.Tape.OFF)) {
            return b.keep(block.apply(x));
        }
    }

    private static Map<String, PthFile.TensorRef> stateDict(PthFile pth) {
        if (!(pth.root() instanceof Map<?, ?> m))
            throw new FileFormatException(pth.path(), "not a state dict (expected torch-fidelity's weights-inception-2015-12-05-6726825d.pth)");
        Map<String, PthFile.TensorRef> out = new LinkedHashMap<>();
        for (var e : m.entrySet())
            if (e.getKey() instanceof String k && e.getValue() instanceof PthFile.TensorRef t) out.put(k, t);
        return out;
    }

    /** {@code name.conv.weight} with {@code name.bn.*} folded in, as constants of {@code cx}. */
    private static ConvBnRelu conv(Context cx, PthFile pth, Map<String, PthFile.TensorRef> dict, String name, Geometry g) {
        HostArray w = tensor(pth, dict, name + ".conv.weight");
        int[] s = w.shape();
        if (s.length != 4 || s[2] != g.kh() || s[3] != g.kw())
            throw new FileFormatException(pth.path(), name + ".conv.weight has shape " + Arrays.toString(s) + ", Inception-v3 has a "
                    + g.kh() + "×" + g.kw() + " kernel there");
        float[][] bn = new float[4][];
        String[] keys = {"weight", "bias", "running_mean", "running_var"};
        for (int i = 0; i < 4; i++) {
            bn[i] = tensor(pth, dict, name + ".bn." + keys[i]).data();
            if (bn[i].length != s[0])
                throw new FileFormatException(pth.path(), name + ".bn." + keys[i] + " has " + bn[i].length + " values for " + s[0] + " channels");
        }
        BatchNormFold.Conv f = BatchNormFold.fold(w.data(), null, bn[0], bn[1], bn[2], bn[3], BN_EPS);
        return new ConvBnRelu(cx.constant(Host.upload(cx, f.weight(), Shape.of(s))), cx.constant(Host.upload(cx, f.bias(), Shape.of(s[0]))),
                g.stride(), g.padY(), g.padX());
    }

    private static HostArray tensor(PthFile pth, Map<String, PthFile.TensorRef> dict, String key) {
        PthFile.TensorRef t = dict.get(key);
        if (t == null) throw new FileFormatException(pth.path(), "no tensor " + key + " (not torch-fidelity's Inception-v3 weights?)");
        return pth.array(key, t);
    }

    @Override public void close() { weights.close(); }
}
