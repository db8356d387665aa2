package imfengine.vision;

import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.io.HostArray;
import imfengine.ops.Activations;
import imfengine.ops.Arithmetic;
import imfengine.ops.Conv2d;
import imfengine.ops.GroupNorm;
import imfengine.ops.Matmul;
import imfengine.ops.Resampling;
import imfengine.ops.Shapes;
import imfengine.ops.Softmax;
import imfengine.tensor.Host;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The decoder of diffusers' {@code AutoencoderKL} ({@code vae.decode(z)}: {@code post_quant_conv}, then the
 * {@code Decoder}), forward only, on any backend. For the SD-VAE ({@code block_out_channels [128, 256, 512, 512]},
 * 3 resnets per up block, 32 groups) a {@code [N, 4, 32, 32]} latent becomes a {@code [N, 3, 256, 256]} image:
 * <pre>
 *   post_quant_conv 1×1 · conv_in 3×3 (4 → 512)
 *   mid: resnet(512) · attention(512, one head over the H·W pixels) · resnet(512)
 *   up block i = 0..3 at widths 512, 512, 256, 128: 3 resnets (the first changes the width: 1×1 conv_shortcut),
 *       then, but after the last, nearest ×2 upsampling and a 3×3 conv
 *   conv_norm_out (GroupNorm) · SiLU · conv_out 3×3 (128 → 3)
 *
 *   resnet(x)    = shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x))))))      every norm: GroupNorm, eps 1e-6
 *   attention(x) = x + to_out(softmax(q·kᵀ/√C)·v),  q, k, v = to_q, to_k, to_v of the pixels of group_norm(x)
 * </pre>
 * The attention's head is as wide as the block (512), wider than the fused attention kernels take, so it is two
 * batched GEMMs and a softmax ({@code L×L} scores: 4 MiB per image at 32×32 latents).
 *
 * <p>Memory: the decode runs as a chain of steps (a resnet, the attention, an upsampling), each in a context of its
 * own that lives until the next step has read its output, so at most two steps' outputs and one step's temporaries
 * (a norm, an activation, a convolution's columns: one image at a time) are held; within a resnet each
 * norm · SiLU · conv runs in a nested context that keeps only the convolution. At 256×256 and 128 channels a tensor
 * is 32 MiB per image and the columns of one 3×3 convolution 288 MiB.
 */
public final class VaeDecoder implements AutoCloseable {
    private static final float EPS = 1e-6f;

    private final VaeWeights.Config config;
    private final Context weightMemory;
    private final Map<String, Tensor> weights = new HashMap<>();

    /** Uploads {@code w} to {@code backend}; {@link #close} frees it. */
    public VaeDecoder(VaeWeights w, Backend backend) {
        this.config = w.config();
        this.weightMemory = Context.open(backend, Context.Tape.OFF);
        for (Map.Entry<String, HostArray> e : w.tensors().entrySet())
            weights.put(e.getKey(), Host.upload(weightMemory, e.getValue().data(), Shape.of(e.getValue().shape())));
    }

    public VaeWeights.Config config() { return config; }

    public Backend backend() { return weightMemory.backend(); }

    /**
     * Decodes {@code n} latents {@code z [n, latent, h, w]} (NCHW, already de-normalised: {@link SdLatents}) into
     * images {@code [n, H, W, 3]} (NHWC, {@code H = h·upscale}), in the network's range (about [−1, 1], not clamped).
     */
    public float[] decode(float[] z, int n, int h, int w) {
        if ((long) n * config.latentChannels() * h * w != z.length)
            throw new IllegalArgumentException("vae decode: " + z.length + " floats are not " + n + " latents of "
                    + config.latentChannels() + "×" + h + "×" + w);
        Context held = Context.open(backend(), Context.Tape.OFF);
        try {
            Var x = held.constant(Host.upload(held, z, Shape.of(n, config.latentChannels(), h, w)));
            for (UnaryOperator<Layers> step : steps()) {
                Context next = Context.open(backend(), Context.Tape.OFF);
                try {
                    Layers l = new Layers(next, next.constant(x.value()));
                    x = step.apply(l).x;
                } catch (RuntimeException | Error e) {
                    next.close();
                    throw e;
                }
                held.close(); // the step has read its input
                held = next;
            }
            return Host.floats(x.value());
        } finally {
            held.close();
        }
    }

    /** The network as a chain of steps, each reading the previous one's output. */
    private List<UnaryOperator<Layers>> steps() {
        List<UnaryOperator<Layers>> s = new ArrayList<>();
        int top = config.upChannels(0);
        s.add(l -> l.conv("post_quant_conv", 0).conv("decoder.conv_in", 1));
        s.add(l -> l.resnet("decoder.mid_block.resnets.0", top, top));
        s.add(l -> l.attention(VaeWeights.ATTENTION));
        s.add(l -> l.resnet("decoder.mid_block.resnets.1", top, top));
        int in = top;
        for (int i = 0; i < config.upBlocks(); i++) {
            int out = config.upChannels(i);
            for (int j = 0; j < config.resnetsPerBlock(); j++) {
                String name = VaeWeights.up(i) + "resnets." + j;
                int cin = j == 0 ? in : out;
                s.add(l -> l.resnet(name, cin, out));
            }
            if (i < config.upBlocks() - 1) {
                String name = VaeWeights.up(i) + "upsamplers.0.conv";
                s.add(l -> l.upsample().conv(name, 1));
            }
            in = out;
        }
        s.add(l -> l.normSiluConv("decoder.conv_norm_out", "decoder.conv_out").toChannelsLast());
        return s;
    }

    /** Layers on one value {@code x} of context {@code cx}; each returns the next value (in {@code cx}). */
    private final class Layers {
        final Context cx;
        final Var x;

        Layers(Context cx, Var x) {
            this.cx = cx;
            this.x = x;
        }

        private Layers with(Var y) { return new Layers(cx, y); }

        private Var w(String name) { return cx.constant(weights.get(name)); }

        Layers conv(String name, int padding) {
            return with(Conv2d.apply(x, w(name + ".weight"), w(name + ".bias"), 1, padding));
        }

        Layers norm(String name) {
            return with(GroupNorm.apply(x, w(name + ".weight"), w(name + ".bias"), config.groups(), EPS));
        }

        Layers silu() { return with(Activations.silu(x)); }

        Layers upsample() { return with(Resampling.upsampleNearest2x(x)); }

        /** {@code conv(silu(norm(x)))} in a nested context: only the convolution's output stays in {@code cx}. */
        Layers normSiluConv(String norm, String conv) {
            try (Context inner = cx.child()) {
                Layers l = new Layers(inner, x).norm(norm).silu().conv(conv, 1);
                return with(inner.keep(l.x));
            }
        }

        Layers resnet(String name, int in, int out) {
            Var h = normSiluConv(name + ".norm1", name + ".conv1").normSiluConv(name + ".norm2", name + ".conv2").x;
            Var skip = in == out ? x : conv(name + ".conv_shortcut", 0).x;
            return with(Arithmetic.add(skip, h));
        }

        /** One head over the pixels: {@code x + to_out(softmax(q·kᵀ/√C)·v)} of {@code group_norm(x)}. */
        Layers attention(String prefix) {
            Shape s = x.shape();
            int n = s.dim(0), c = s.dim(1), pixels = s.dim(2) * s.dim(3);
            Var t = Shapes.transpose(Shapes.reshape(norm(prefix + "group_norm").x, Shape.of(n, c, pixels)), 1, 2); // [n, L, c]
            Var q = linear(t, prefix + "to_q"), k = linear(t, prefix + "to_k"), v = linear(t, prefix + "to_v");
            Var p = Softmax.lastAxis(Arithmetic.scale(Matmul.matmul(q, false, k, true), (float) (1 / Math.sqrt(c))));
            Var o = linear(Matmul.matmul(p, v), prefix + "to_out.0");
            return with(Arithmetic.add(x, Shapes.reshape(Shapes.transpose(o, 1, 2), s)));
        }

        private Var linear(Var t, String name) { return Matmul.linear(t, w(name + ".weight"), w(name + ".bias")); }

        /** NCHW → NHWC, the layout images are written in. */
        Layers toChannelsLast() { return with(Shapes.permute(x, Permutation.of(0, 2, 3, 1))); }
    }

    @Override public void close() { weightMemory.close(); }
}
