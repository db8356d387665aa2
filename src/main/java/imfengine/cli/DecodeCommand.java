package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.io.FileFormatException;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.vision.SdLatents;
import imfengine.vision.VaeDecoder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code decode}: latents written earlier by {@code sample} turned into images by the SD-VAE decoder. */
final class DecodeCommand implements Command {
    @Override public String name() { return "decode"; }

    @Override public String summary() { return "decode sampled latents into images with the SD-VAE decoder"; }

    @Override public String help() {
        return """
                usage: imf-engine decode --latents FILE.npy --vae FILE [options]

                Decodes latents as `sample` writes them for the B/2 … XL/2 presets (float32 [N, h, w, 4],
                channels last, the model's normalised latents) with the Stable Diffusion VAE's decoder,
                after the authors' per-channel de-normalisation (z·std + mean). Writes OUT.images.npy
                (uint8 [N, 8h, 8w, 3], RGB: round(clip((x+1)/2·255, 0, 255)), as the authors' PNGs) and a
                PNG grid of the first 100 images to OUT.

                  --latents FILE     the latents (.npy; e.g. the OUT.npy of sample)
                  --out FILE         output PNG grid (default decoded.png)
                  --columns N        grid images per row (default 10)
                  --threads N        CPU worker threads (default: all cores)
                """ + VaeImages.HELP + Devices.help(19) + Devices.FP32_DEFAULT_HELP;
    }

    @Override public int run(List<String> argv) throws Exception {
        Args a = Args.parse("decode", argv, Set.of("latents", "vae", "vae-batch", "out", "columns", "threads", "device", Devices.PRECISION), Set.of());
        if (!a.has("latents")) throw new UsageException("decode: --latents FILE.npy is required");
        if (!a.has("vae")) throw new UsageException("decode: --vae FILE is required");
        Path file = Path.of(a.string("latents", ""));
        if (!Files.isRegularFile(file)) throw new UsageException("decode: latents not found: " + file);
        NpyArray z;
        try {
            z = Npy.read(file);
        } catch (FileFormatException e) {
            throw new UsageException("decode: " + e.getMessage());
        }
        int[] s = z.shape();
        if (z.dtype() != NpyArray.DType.F32 || s.length != 4 || s[3] != SdLatents.MEAN.length || s[0] < 1)
            throw new UsageException("decode: " + file + " holds " + z.dtype() + " " + Arrays.toString(s)
                    + "; expected float32 latents [N, h, w, " + SdLatents.MEAN.length + "] (channels last, as sample writes them)");
        int batch = VaeImages.batch("decode", a), columns = a.integer("columns", 10);
        if (columns < 1) throw new UsageException("decode: --columns must be >= 1, got " + columns);
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UsageException("decode: --threads must be >= 1, got " + threads);
        Path out = Path.of(a.string("out", "decoded.png"));
        Backend be = Devices.openFp32ByDefault("decode", a, threads);
        try (VaeDecoder dec = VaeImages.open("decode", Path.of(a.string("vae", "")), be)) {
            double seconds = VaeImages.write(dec, z.floats(), s[0], s[1], s[2], batch, columns, VaeImages.GRID_IMAGES, out, System.err);
            System.out.printf(Locale.ROOT, "wrote %s, %s (%d images, %.2f s per image; tensors peaked at %.2f GiB)%n", out,
                    VaeImages.imagesPath(out), s[0], seconds / s[0], be.peakTensorBytes() / (double) (1L << 30));
        }
        return 0;
    }
}
