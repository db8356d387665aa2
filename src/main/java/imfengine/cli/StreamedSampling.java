package imfengine.cli;

import imfengine.imf.Sampler;
import imfengine.io.AtomicWrite;
import imfengine.io.ImageGrid;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * A {@code sample} run of any size: the labels go through the network {@code batch} at a time (and each batch
 * through the VAE), and each batch's outputs are appended to {@code OUT.npy} (and {@code OUT.images.npy}), so host
 * memory holds one batch, the labels and the grid. The files are written under temporary names and renamed
 * only when every image is in them ({@link AtomicWrite#begin}): a run that fails or is stopped leaves no file
 * under the final names (and earlier files of those names as they were). Image {@code i}'s noise depends on the
 * seed and {@code i} only ({@link Sampler#initialNoise(imfengine.autodiff.Context, imfengine.tensor.Shape, long, long)}),
 * so the outputs do not depend on the batch size.
 */
final class StreamedSampling {
    /** Images per network evaluation by default: the authors' {@code evaluate.py --gen-bsz}. */
    static final int DEFAULT_BATCH = 64;

    /** What a run wrote; {@code done < labels.length} when it was stopped (and then wrote nothing). */
    record Result(int done, boolean png, double decodeSeconds) {}

    private StreamedSampling() {}

    /**
     * Samples one image per label, {@code batch} at a time; the grid (whole rows of {@code columns}, at most
     * {@link VaeImages#GRID_IMAGES} images unless one row is longer) goes to {@code png} for images and decoded
     * latents. {@code stop} is asked between batches; {@code progress} is told after each.
     */
    static Result run(ImfDiT net, int[] labels, Sampler.Guidance g, int steps, long seed, int batch, int columns,
                      VaeImages.Decoding vae, Path png, ImageProgress progress, BooleanSupplier stop) {
        ModelConfig mc = net.config();
        int n = labels.length, s = mc.imageSize(), c = mc.channels(), perImage = s * s * c;
        boolean image = c == 1 || c == 3;
        int grid = gridImages(n, columns);
        float[] gridPixels = image ? new float[grid * perImage] : null;
        int done = 0;
        try (AtomicWrite.Pending npy = AtomicWrite.begin(SampleCommand.npyPath(png, ".npy"));
             AtomicWrite.Pending decoded = vae == null ? null : AtomicWrite.begin(VaeImages.imagesPath(png))) {
            npy.stream().write(Npy.prefix(NpyArray.DType.F32, new int[]{n, s, s, c}));
            if (vae != null) decoded.stream().write(vae.prefix(n));
            while (done < n) {
                if (stop.getAsBoolean()) return new Result(done, false, 0);
                int count = Math.min(batch, n - done);
                float[] x = HostSampling.sample(net, Arrays.copyOfRange(labels, done, done + count), g, steps, seed, done);
                if (image && done < grid) System.arraycopy(x, 0, gridPixels, done * perImage, Math.min(count, grid - done) * perImage);
                Npy.writeFloats(npy.stream(), image ? unitRange(x) : x, 0, x.length);
                if (vae != null) vae.append(x, 0, count, decoded.stream());
                done += count;
                progress.done(done, vae == null ? "" : String.format(Locale.ROOT, "  (VAE %.2f s per image)", vae.seconds() / done));
            }
            Npy.write(SampleCommand.npyPath(png, ".labels.npy"), NpyArray.ofI32(new int[]{n}, labels));
            npy.commit();
            if (vae != null) decoded.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("sample: cannot write " + png + "'s files: " + e.getMessage(), e);
        }
        if (image) ImageGrid.tile(gridPixels, grid, s, s, c, ImageGrid.Range.SYMMETRIC, Math.min(columns, grid), 2, 2).writePng(png);
        if (vae != null) vae.writeGrid(png, columns);
        return new Result(n, image || vae != null, vae == null ? 0 : vae.seconds());
    }

    /** Whole rows of {@code columns}, at most {@link VaeImages#GRID_IMAGES} images, at least one row. */
    static int gridImages(int n, int columns) {
        return Math.min(n, Math.max(1, VaeImages.GRID_IMAGES / columns) * columns);
    }

    /** Model-scale images (~[−1, 1]) as stored: in [0, 1]. Latents are stored as they are (clipping would destroy them). */
    private static float[] unitRange(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = Math.max(0f, Math.min(1f, (x[i] + 1f) / 2f));
        return out;
    }
}
