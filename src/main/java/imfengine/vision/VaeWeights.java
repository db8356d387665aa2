package imfengine.vision;

import imfengine.io.FileFormatException;
import imfengine.io.HostArray;
import imfengine.io.SafetensorsFile;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The decoder half of a diffusers {@code AutoencoderKL} file ({@code diffusion_pytorch_model.safetensors} of
 * {@code stabilityai/sd-vae-ft-mse}): its sizes read off the tensors, and each tensor under one canonical name.
 * <ul>
 *   <li>Names follow diffusers: {@code post_quant_conv.*}, {@code decoder.conv_in.*},
 *       {@code decoder.mid_block.{resnets.0, attentions.0, resnets.1}.*}, {@code decoder.up_blocks.I.resnets.J.*},
 *       {@code decoder.up_blocks.I.upsamplers.0.conv.*}, {@code decoder.conv_norm_out.*}, {@code decoder.conv_out.*}.
 *       The encoder and {@code quant_conv} are not read.</li>
 *   <li>The mid-block attention is {@code to_q, to_k, to_v, to_out.0} in current files and
 *       {@code query, key, value, proj_attn} in files saved before diffusers 0.14 (sd-vae-ft-mse's); both are
 *       read, under the current names. A projection stored as a 1×1 convolution {@code [C, C, 1, 1]} is read as
 *       the matrix {@code [C, C]}.</li>
 *   <li>Sizes: the up blocks are counted, each one's width is its first resnet's {@code conv1} outputs, the resnets
 *       per up block are counted in block 0; {@code block_out_channels} is the up blocks' widths reversed.
 *       The GroupNorm group count is not in the file: the caller gives it (32 for the SD-VAE).</li>
 * </ul>
 * Every expected tensor is checked for presence and shape as the file is read, so a foreign file fails in one
 * line naming the first tensor that is missing or misshapen.
 */
public final class VaeWeights {
    static final String ATTENTION = "decoder.mid_block.attentions.0.";
    /** Current projection names, and the pre-0.14 ones in the same order. */
    private static final String[] PROJECTIONS = {"to_q", "to_k", "to_v", "to_out.0"},
            OLD_PROJECTIONS = {"query", "key", "value", "proj_attn"};

    /** The decoder's sizes: {@code blockChannels} in diffusers' order (narrowest first, as the up blocks end). */
    public record Config(int latentChannels, int[] blockChannels, int resnetsPerBlock, int groups) {
        public Config {
            blockChannels = blockChannels.clone();
            for (int c : blockChannels)
                if (c % groups != 0) throw new IllegalArgumentException("VAE width " + c + " is not divisible by " + groups + " norm groups");
        }

        /** Each up block's width, in the order they run (widest first). */
        public int upChannels(int block) { return blockChannels[blockChannels.length - 1 - block]; }

        public int upBlocks() { return blockChannels.length; }

        /** Output pixels per latent pixel along a side: one ×2 upsampling after every up block but the last. */
        public int upscale() { return 1 << (blockChannels.length - 1); }

        @Override public String toString() {
            return "latent channels " + latentChannels + ", block_out_channels " + Arrays.toString(blockChannels)
                    + ", " + resnetsPerBlock + " resnets per up block, " + groups + " norm groups";
        }
    }

    private final Config config;
    private final Map<String, HostArray> tensors = new LinkedHashMap<>();

    private VaeWeights(Config config) { this.config = config; }

    public Config config() { return config; }

    /** The tensors under their canonical names, in the order the decoder runs them. */
    public Map<String, HostArray> tensors() { return tensors; }

    /** Reads the decoder of {@code file} with {@code groups} GroupNorm groups; a {@link FileFormatException} if it is not one. */
    public static VaeWeights read(SafetensorsFile file, int groups) {
        if (!file.contains("decoder.conv_in.weight"))
            throw new FileFormatException(file.path(), "not a diffusers AutoencoderKL file (no decoder.conv_in.weight)");
        int[] convIn = file.get("decoder.conv_in.weight").shape();
        if (convIn.length != 4) throw new FileFormatException(file.path(), "decoder.conv_in.weight is " + Arrays.toString(convIn) + ", not [C, latent, 3, 3]");
        int blocks = 0;
        while (file.contains(up(blocks) + "resnets.0.conv1.weight")) blocks++;
        if (blocks == 0) throw new FileFormatException(file.path(), "no decoder.up_blocks.0.resnets.0.conv1.weight");
        int resnets = 0;
        while (file.contains(up(0) + "resnets." + resnets + ".conv1.weight")) resnets++;
        int[] channels = new int[blocks];
        for (int i = 0; i < blocks; i++) channels[blocks - 1 - i] = file.get(up(i) + "resnets.0.conv1.weight").shape()[0];
        Config cfg;
        try {
            cfg = new Config(convIn[1], channels, resnets, groups);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file.path(), e.getMessage());
        }
        VaeWeights w = new VaeWeights(cfg);
        w.load(file);
        return w;
    }

    static String up(int block) { return "decoder.up_blocks." + block + "."; }

    private void load(SafetensorsFile f) {
        int z = config.latentChannels, top = config.upChannels(0);
        conv(f, "post_quant_conv", z, z, 1);
        conv(f, "decoder.conv_in", top, z, 3);
        resnet(f, "decoder.mid_block.resnets.0", top, top);
        norm(f, ATTENTION + "group_norm", top);
        boolean old = !f.contains(ATTENTION + "to_q.weight") && f.contains(ATTENTION + "query.weight");
        for (int p = 0; p < PROJECTIONS.length; p++) projection(f, old ? OLD_PROJECTIONS[p] : PROJECTIONS[p], PROJECTIONS[p], top);
        resnet(f, "decoder.mid_block.resnets.1", top, top);
        int in = top;
        for (int i = 0; i < config.upBlocks(); i++) {
            int out = config.upChannels(i);
            for (int j = 0; j < config.resnetsPerBlock; j++) resnet(f, up(i) + "resnets." + j, j == 0 ? in : out, out);
            if (i < config.upBlocks() - 1) conv(f, up(i) + "upsamplers.0.conv", out, out, 3);
            in = out;
        }
        norm(f, "decoder.conv_norm_out", config.blockChannels[0]);
        conv(f, "decoder.conv_out", 3, config.blockChannels[0], 3);
    }

    private void resnet(SafetensorsFile f, String name, int in, int out) {
        norm(f, name + ".norm1", in);
        conv(f, name + ".conv1", out, in, 3);
        norm(f, name + ".norm2", out);
        conv(f, name + ".conv2", out, out, 3);
        if (in != out) conv(f, name + ".conv_shortcut", out, in, 1);
    }

    private void conv(SafetensorsFile f, String name, int out, int in, int k) {
        take(f, name + ".weight", name + ".weight", out, in, k, k);
        take(f, name + ".bias", name + ".bias", out);
    }

    private void norm(SafetensorsFile f, String name, int c) {
        take(f, name + ".weight", name + ".weight", c);
        take(f, name + ".bias", name + ".bias", c);
    }

    /** A Linear {@code [c, c]} + bias, also accepted as a 1×1 convolution weight. */
    private void projection(SafetensorsFile f, String stored, String canonical, int c) {
        String w = ATTENTION + stored + ".weight";
        if (f.contains(w) && f.get(w).shape().length == 4) {
            HostArray a = f.get(w);
            check(f, w, a, c, c, 1, 1);
            tensors.put(ATTENTION + canonical + ".weight", new HostArray(new int[]{c, c}, a.data()));
        } else {
            take(f, w, ATTENTION + canonical + ".weight", c, c);
        }
        take(f, ATTENTION + stored + ".bias", ATTENTION + canonical + ".bias", c);
    }

    private void take(SafetensorsFile f, String stored, String canonical, int... shape) {
        if (!f.contains(stored)) throw new FileFormatException(f.path(), "VAE decoder tensor '" + stored + "' missing (" + config + ")");
        HostArray a = f.get(stored);
        check(f, stored, a, shape);
        tensors.put(canonical, a);
    }

    private void check(SafetensorsFile f, String name, HostArray a, int... shape) {
        if (!Arrays.equals(a.shape(), shape))
            throw new FileFormatException(f.path(), "VAE decoder tensor '" + name + "' is " + Arrays.toString(a.shape()) + ", expected "
                    + Arrays.toString(shape) + " (" + config + ")");
    }
}
