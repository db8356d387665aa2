package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.imf.Checkpoint;
import imfengine.imf.Sampler;
import imfengine.io.FileFormatException;
import imfengine.io.SafetensorsFile;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.tensor.Tensor;
import imfengine.vision.SdLatents;
import imfengine.vision.VaeDecoder;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code sample}: images from a checkpoint's EMA weights. */
final class SampleCommand implements Command {
    /** Sampler.Guidance.DEFAULT as the command line writes it (help texts and option defaults). */
    static final String DEFAULT_OMEGA = number(Sampler.Guidance.DEFAULT.omega()),
            DEFAULT_INTERVAL = number(Sampler.Guidance.DEFAULT.tMin()) + "," + number(Sampler.Guidance.DEFAULT.tMax());

    private static String number(float x) { return x == Math.rint(x) ? String.valueOf((int) x) : String.valueOf(x); }

    @Override public String name() { return "sample"; }

    @Override public String summary() { return "generate images from a checkpoint (1-NFE by default)"; }

    @Override public String help() {
        return """
                usage: imf-engine sample --checkpoint FILE [options]

                Generates images with the checkpoint's EMA weights and writes a PNG grid (one row per
                class), plus OUT.npy (N×H×W×C float32 in [0,1]) and OUT.labels.npy (int32). For
                latents (4 channels: the B/2 … XL/2 presets) there is no PNG, and OUT.npy holds the
                latents as the model outputs them (NHWC), for the authors' VAE decoder.

                  --checkpoint FILE  a checkpoint written by train, or one of the authors' released
                                     PyTorch checkpoints (.pth, torch.save) with --preset
                  --preset NAME      for a .pth: its size (B/2, M/2, L/2, XL/2, ...); a state dict
                                     holds all sizes but the image size, and they must match
                  --image-size N     for a .pth of no preset: the image (latent) side; the other
                                     sizes are read off the tensors
                  --classes LIST     'all', or class ids and inclusive ranges, e.g. 0-9,17,100-199
                                     (default: the first 10 classes, or all if fewer)
                  --per-class N      images per class (default 10); the labels run class by class,
                                     N of each, as the authors' evaluate.py orders its 50,000
                  --batch N          images per network evaluation (default {BATCH}); the outputs are
                                     written batch by batch and do not depend on N
                  --omega X          guidance scale ω >= 1 (default {OMEGA})
                  --interval A,B     guidance interval [t_min, t_max] within [0,1] (default {INTERVAL})
                  --steps N          network evaluations (default 1: one-step sampling)
                  --seed N           noise seed (default 0); image i's noise depends on the seed and i
                  --raw              sample with the raw weights instead of the EMA (a .pth
                                     holding only one state dict is used as it is)
                  --out FILE         output PNG (default samples.png)
                  --threads N        CPU worker threads (default: all cores)

                The .npy files are streamed batch after batch under temporary names and renamed when
                complete, so a run that fails or is stopped (Ctrl-C, SIGTERM: after the batch in
                flight; exit 130, 143) leaves no file under the final names. Progress goes to stderr:
                a line after the first batch, then every 10 s, with images/s and the ETA. The PNG
                grid shows the first rows only (at most 100 images, at least one row).

                For latents, --vae also decodes them with the Stable Diffusion VAE (after the authors'
                de-normalisation) and writes the images to OUT.images.npy (uint8 [N, 256, 256, 3], RGB)
                and the first rows of them (at most 100 images, at least one row) as the PNG grid OUT;
                OUT.npy still holds the latents (`decode` reads them again).
                """.replace("{OMEGA}", SampleCommand.DEFAULT_OMEGA).replace("{BATCH}", String.valueOf(StreamedSampling.DEFAULT_BATCH)).replace("{INTERVAL}", SampleCommand.DEFAULT_INTERVAL) + VaeImages.HELP
                + Devices.help(19);
    }

    @Override public int run(List<String> argv) throws Exception {
        Args a = Args.parse("sample", argv, Set.of("checkpoint", "preset", "image-size", "classes", "per-class", "omega", "interval", "steps", "seed", "out",
                        "batch", "threads", "device", Devices.PRECISION, "vae", "vae-batch"),
                Set.of("raw"));
        if (!a.has("checkpoint")) throw new UsageException("sample: --checkpoint FILE is required");
        Path file = Path.of(a.string("checkpoint", ""));
        if (!Files.isRegularFile(file)) throw new UsageException("sample: checkpoint not found: " + file);
        float omega = (float) a.number("omega", Sampler.Guidance.DEFAULT.omega());
        checkOmega("sample", omega);
        float[] interval = parseInterval("sample", a.string("interval", SampleCommand.DEFAULT_INTERVAL));
        int steps = a.integer("steps", 1);
        if (steps < 1) throw new UsageException("sample: --steps must be >= 1, got " + steps);
        int perClass = a.integer("per-class", 10);
        if (perClass < 1) throw new UsageException("sample: --per-class must be >= 1, got " + perClass);
        int batch = a.integer("batch", StreamedSampling.DEFAULT_BATCH);
        if (batch < 1) throw new UsageException("sample: --batch must be >= 1, got " + batch);
        Path out = Path.of(a.string("out", "samples.png"));
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UsageException("sample: --threads must be >= 1, got " + threads);
        int vaeBatch = VaeImages.batch("sample", a);
        Backend be = Devices.open("sample", a, threads);
        // the decoder's file is read before sampling, so that a wrong one fails before anything is written
        VaeDecoder vae = a.has("vae") ? VaeImages.open("sample", Path.of(a.string("vae", "")), be) : null;
        ImfDiT net = PthModel.isPth(file)
                ? PthModel.open("sample", file, a.has("preset") ? a.string("preset", "") : null,
                        a.has("image-size") ? a.string("image-size", "") : null, a.flag("raw"), be)
                : loadCheckpoint(file, a, be);
        ModelConfig mc = net.config();
        if (vae != null && mc.channels() != SdLatents.MEAN.length)
            throw new UsageException("sample: --vae decodes SD-VAE latents; this model makes " + mc.channels() + "-channel images");
        int[] classes = ClassSelection.parse(a.string("classes", ""), mc.classes());
        if ((long) classes.length * perClass > Integer.MAX_VALUE / 4)
            throw new UsageException("sample: " + classes.length + " classes × " + perClass + " per class is too many images");
        int[] labels = new int[classes.length * perClass];
        for (int i = 0; i < labels.length; i++) labels[i] = classes[i / perClass];
        StreamedSampling.Result r;
        try (StopSignal stop = StopSignal.install(); vae) {
            int s = mc.imageSize();
            VaeImages.Decoding decoding = vae == null ? null
                    : new VaeImages.Decoding(vae, s, s, vaeBatch, StreamedSampling.gridImages(labels.length, perClass));
            r = StreamedSampling.run(net, labels, new Sampler.Guidance(omega, interval[0], interval[1]), steps, a.longValue("seed", 0), batch,
                    perClass, decoding, out, ImageProgress.toStderr(labels.length), stop);
            if (r.done() < labels.length) {
                System.out.printf(Locale.ROOT, "sample: stopped by %s after %d of %d images; wrote nothing%n", stop.name(), r.done(), labels.length);
                return stop.exitCode();
            }
        }
        String decoded = vae == null ? "" : String.format(Locale.ROOT, ", decoded by the VAE in %.2f s per image", r.decodeSeconds() / labels.length);
        System.out.println("wrote " + (r.png() ? out + ", " : "") + npyPath(out, ".npy") + ", " + npyPath(out, ".labels.npy")
                + (vae != null ? ", " + VaeImages.imagesPath(out) : "")
                + " (" + labels.length + " images, " + steps + " step" + (steps > 1 ? "s" : "") + ", omega " + omega + decoded + ")");
        return 0;
    }

    private static ImfDiT loadCheckpoint(Path file, Args a, Backend be) {
        if (a.has("preset") || a.has("image-size"))
            throw new UsageException("sample: --preset and --image-size are for .pth files; " + file + " carries its own config");
        SafetensorsFile ckpt = openCheckpoint(file);
        ImfDiT net = new ImfDiT(configOf(ckpt), be, 0, false);
        try {
            Checkpoint.load(ckpt, a.flag("raw") ? "" : Checkpoint.EMA, net.parameters(), Checkpoint.values(net.parameters()));
        } catch (FileFormatException e) {
            throw new UsageException(e.getMessage());
        }
        return net;
    }

    /** A 10-per-class grid from {@code weights} (e.g. EMA) written to {@code png}, with its .npy files. */
    static void writeClassGrid(ImfDiT trained, Map<String, Tensor> weights, Sampler.Guidance g, int steps, int perClass, long seed, Path png) {
        ModelConfig mc = trained.config();
        ImfDiT net = new ImfDiT(mc, trained.backend(), 0, false);
        net.loadFrom(weights);
        int k = Math.min(mc.classes(), ClassSelection.DEFAULT_COUNT);
        int[] labels = new int[k * perClass];
        for (int i = 0; i < labels.length; i++) labels[i] = i / perClass;
        StreamedSampling.run(net, labels, g, steps, seed, StreamedSampling.DEFAULT_BATCH, perClass, null, png,
                new ImageProgress(new PrintStream(OutputStream.nullOutputStream()), labels.length, 10, System::nanoTime), () -> false);
    }

    static Path npyPath(Path png, String suffix) {
        String name = png.getFileName().toString();
        String stem = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
        return png.resolveSibling(stem + suffix);
    }

    /** Opens a checkpoint, turning a missing, corrupt or foreign file into a one-line usage error. */
    static SafetensorsFile openCheckpoint(Path file) {
        if (PthModel.isPth(file))
            throw new UsageException(file + ": a PyTorch .pth checkpoint, not one written by train (sample reads .pth files, with --preset)");
        try {
            return Checkpoint.open(file);
        } catch (FileFormatException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static ModelConfig configOf(SafetensorsFile ckpt) {
        try {
            return Checkpoint.config(ckpt);
        } catch (IllegalArgumentException e) {
            throw new UsageException(ckpt.path() + ": " + e.getMessage());
        }
    }

    static float[] parseInterval(String cmd, String s) {
        String[] p = s.split(",");
        try {
            if (p.length == 2) {
                float lo = Float.parseFloat(p[0].trim()), hi = Float.parseFloat(p[1].trim());
                if (lo >= 0 && hi <= 1 && lo <= hi) return new float[]{lo, hi};
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(cmd + ": --interval must be A,B with 0 <= A <= B <= 1, got '" + s + "'");
    }

    static void checkOmega(String cmd, float omega) {
        if (!(omega >= 1)) throw new UsageException(cmd + ": --omega must be >= 1, got " + omega);
    }
}
