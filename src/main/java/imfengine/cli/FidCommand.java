package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.eval.GaussianStatistics;
import imfengine.io.AtomicWrite;
import imfengine.io.FileFormatException;
import imfengine.io.Json;
import imfengine.io.NpyArray;
import imfengine.io.Npz;
import imfengine.vision.InceptionV3;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code fid}: Fréchet Inception Distance of images against reference statistics, as torch-fidelity computes it. */
final class FidCommand implements Command {
    private static final long PROGRESS_NANOS = 10_000_000_000L;

    @Override public String name() { return "fid"; }

    @Override public String summary() { return "Fréchet Inception Distance of samples against reference statistics (torch-fidelity's Inception-v3)"; }

    @Override public String help() {
        return """
                usage: imf-engine fid --samples DIR|X.npy --inception FILE (--ref REF.npz | --save-stats OUT.npz) [options]

                FID as torch-fidelity computes it (feature extractor inception-v3-compat, 2048-d pool3
                features): images as uint8 RGB (float samples in [0,1] are rounded as the engine's PNGs
                are), TF1 bilinear resize to 299×299, mean and covariance (N − 1) in float64, then
                |mu1 − mu2|² + tr S1 + tr S2 − 2 tr (S1 S2)^½. Prints the FID and writes a JSON.

                  --samples P        images: an .npy N×H×W×C (float32 in [0,1], as sample writes it,
                                     or uint8; C = 1 or 3) or a directory of .png files (required)
                  --inception FILE   torch-fidelity's weights-inception-2015-12-05-6726825d.pth (required)
                  --ref REF.npz      reference: 'mu' and 'sigma' (the JiT jit_in256_stats.npz, ADM's
                                     VIRTUAL_*.npz), or else 'arr_0' uint8 N×H×W×3 images (held in memory)
                  --save-stats OUT.npz  also write the samples' 'mu' and 'sigma' (float64): reference
                                     statistics of your own; with it, --ref may be left out
                  --json FILE        where the JSON goes (default: fid.json next to --samples)
                  --batch N          images per forward pass (default 25)
                  --limit N          only the first N images
                  --threads N        CPU worker threads (default: all cores)
                """ + Devices.help(19) + Devices.FP32_DEFAULT_HELP;
    }

    @Override public int run(List<String> argv) {
        Args a = Args.parse("fid", argv, Set.of("samples", "inception", "ref", "save-stats", "json", "batch", "limit", "threads", "device", Devices.PRECISION), Set.of());
        if (!a.has("samples")) throw new UsageException("fid: --samples DIR|X.npy is required");
        if (!a.has("inception")) throw new UsageException("fid: --inception FILE (torch-fidelity's weights-inception-2015-12-05-6726825d.pth) is required");
        if (!a.has("ref") && !a.has("save-stats")) throw new UsageException("fid: give --ref REF.npz (to measure FID) or --save-stats OUT.npz (or both)");
        Path samples = Path.of(a.string("samples", "")), weights = Path.of(a.string("inception", ""));
        if (!Files.isRegularFile(weights)) throw new UsageException("fid: Inception weights not found: " + weights);
        Path ref = a.has("ref") ? Path.of(a.string("ref", "")) : null;
        if (ref != null && !Files.isRegularFile(ref)) throw new UsageException("fid: reference not found: " + ref);
        Path saveStats = a.has("save-stats") ? Path.of(a.string("save-stats", "")) : null;
        Path json = Path.of(a.string("json", (Files.isDirectory(samples) ? samples : samples.toAbsolutePath().getParent()).resolve("fid.json").toString()));
        int batch = a.integer("batch", 25), limit = a.integer("limit", Integer.MAX_VALUE);
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors());
        if (batch < 1 || limit < 2 || threads < 1) throw new UsageException("fid: --batch and --threads must be >= 1, --limit >= 2");
        String device = a.string("device", "cpu");

        Map<String, NpyArray> refArrays = ref == null ? null : Npz.read(ref);
        if (refArrays != null && !GaussianStatistics.present(refArrays) && !refArrays.containsKey("arr_0"))
            throw new FileFormatException(ref, "neither 'mu' and 'sigma' nor 'arr_0' images (keys: " + refArrays.keySet() + ")");
        Backend be = Devices.openFp32ByDefault("fid", a, threads);
        long t0 = System.nanoTime();
        try (InceptionV3 net = InceptionV3.load(weights, be); FidImages images = FidImages.open(samples)) {
            GaussianStatistics mine = statistics(net, images, batch, limit, "samples", System.err);
            if (saveStats != null) {
                mine.write(saveStats);
                System.out.println("wrote " + saveStats + " (mu, sigma of " + mine.count() + " images)");
            }
            if (ref == null) return 0;
            GaussianStatistics theirs;
            if (GaussianStatistics.present(refArrays)) theirs = GaussianStatistics.from(ref, refArrays);
            else try (FidImages refImages = FidImages.of(ref, refArrays.get("arr_0"))) {
                theirs = statistics(net, refImages, batch, Integer.MAX_VALUE, "reference", System.err);
            }
            if (theirs.dim() != mine.dim())
                throw new FileFormatException(ref, "statistics of " + theirs.dim() + " dimensions; the Inception features have " + mine.dim());
            double fid = mine.frechetDistance(theirs);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("fid", fid);
            doc.put("samples", samples.toString());
            doc.put("count", mine.count());
            doc.put("ref", ref.toString());
            doc.put("ref_count", theirs.count() < 0 ? null : theirs.count());
            doc.put("inception", weights.toString());
            doc.put("feature_dim", mine.dim());
            doc.put("device", device);
            doc.put("seconds", seconds);
            byte[] bytes = (Json.write(doc) + "\n").getBytes(StandardCharsets.UTF_8);
            AtomicWrite.write(json, out -> out.write(bytes));
            System.out.printf(Locale.ROOT, "FID %.4f (%d images against %s; %.1f s; wrote %s)%n", fid, mine.count(), ref.getFileName(), seconds, json);
            return 0;
        }
    }

    /** Features of up to {@code limit} images, {@code batch} at a time, into float64 statistics; a progress line every 10 s. */
    static GaussianStatistics statistics(InceptionV3 net, FidImages images, int batch, int limit, String what, PrintStream err) {
        int n = Math.min(images.count(), limit);
        if (n < 2) throw new UsageException("fid: " + what + " have " + n + " image" + (n == 1 ? "" : "s") + "; FID needs at least 2");
        GaussianStatistics.Accumulator acc = new GaussianStatistics.Accumulator(net.featureDim());
        float[] input = new float[Math.min(batch, n) * InceptionV3.INPUT_VALUES];
        long start = System.nanoTime(), lastLine = start;
        for (int from = 0; from < n; from += batch) {
            int m = Math.min(batch, n - from);
            for (int i = 0; i < m; i++) {
                FidImages.Image img = images.get(from + i);
                InceptionV3.toInput(img.hwc(), img.height(), img.width(), input, i * InceptionV3.INPUT_VALUES);
            }
            float[] in = m * InceptionV3.INPUT_VALUES == input.length ? input : java.util.Arrays.copyOf(input, m * InceptionV3.INPUT_VALUES);
            acc.add(net.features(in, m), m);
            long now = System.nanoTime();
            if (now - lastLine >= PROGRESS_NANOS || from + m == n) {
                double s = (now - start) / 1e9, rate = (from + m) / s;
                err.printf(Locale.ROOT, "fid: %s %d/%d images, %.2f images/s, %.0f s left%n", what, from + m, n, rate, (n - from - m) / rate);
                lastLine = now;
            }
        }
        return acc.statistics();
    }
}
