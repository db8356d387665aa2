package imfengine.cli;

import imfengine.backend.Backend;
import imfengine.io.AtomicWrite;
import imfengine.io.FileFormatException;
import imfengine.io.ImageGrid;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.io.Safetensors;
import imfengine.vision.SdLatents;
import imfengine.vision.VaeDecoder;
import imfengine.vision.VaeWeights;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Latents to pictures for {@code sample --vae} and {@code decode}: the SD-VAE decoder over the latents a few at a
 * time, the bytes of each batch streamed into {@code STEM.images.npy} ({@code uint8 [N, H, W, 3]}, RGB, the authors'
 * rounding: {@link SdLatents#toByte}), and a PNG grid of the first images.
 */
final class VaeImages {
    /** The SD-VAE's GroupNorm groups (diffusers' norm_num_groups; not stored in its file). */
    static final int GROUPS = 32;
    static final int DEFAULT_BATCH = 4;
    /** Images in a grid at most: the pictures are for looking at; the .npy holds them all. */
    static final int GRID_IMAGES = 100;

    static final String HELP = """
              --vae FILE         the SD-VAE decoder (diffusers AutoencoderKL safetensors, e.g.
                                 diffusion_pytorch_model.safetensors of stabilityai/sd-vae-ft-mse)
              --vae-batch N      latents decoded at a time (default 4: 1.9 GiB of tensors for
                                 256×256 images, a 2.5 GiB heap on the CPU, JAVA_OPTS=-Xmx2560m)
            """;

    private VaeImages() {}

    /** Opens the decoder of {@code file} on {@code be}; a missing or foreign file is a one-line usage error. */
    static VaeDecoder open(String cmd, Path file, Backend be) {
        if (!Files.isRegularFile(file)) throw new UsageException(cmd + ": VAE weights not found: " + file);
        VaeWeights w;
        try {
            w = VaeWeights.read(Safetensors.read(file), GROUPS);
        } catch (FileFormatException | IllegalArgumentException e) {
            throw new UsageException(cmd + ": " + e.getMessage());
        }
        if (w.config().latentChannels() != SdLatents.MEAN.length)
            throw new UsageException(cmd + ": " + file + " decodes " + w.config().latentChannels() + "-channel latents; the SD-VAE's have "
                    + SdLatents.MEAN.length);
        return new VaeDecoder(w, be);
    }

    static int batch(String cmd, Args a) {
        int b = a.integer("vae-batch", DEFAULT_BATCH);
        if (b < 1) throw new UsageException(cmd + ": --vae-batch must be >= 1, got " + b);
        return b;
    }

    static Path imagesPath(Path png) { return SampleCommand.npyPath(png, ".images.npy"); }

    /**
     * Decodes {@code n} latents {@code nhwc [n, h, w, 4]} in batches of {@code batch}, writes {@code STEM.images.npy}
     * next to {@code png} and the grid of the first {@code gridImages} images, {@code columns} per row, to {@code png}.
     * One progress line per batch on {@code log}. Returns the seconds spent decoding.
     */
    static double write(VaeDecoder dec, float[] nhwc, int n, int h, int w, int batch, int columns, int gridImages, Path png,
                        PrintStream log) {
        Decoding d = new Decoding(dec, h, w, batch, Math.min(n, gridImages));
        AtomicWrite.write(imagesPath(png), out -> {
            out.write(d.prefix(n));
            for (int from = 0; from < n; from += batch) {
                int count = Math.min(batch, n - from);
                d.append(nhwc, from, count, out);
                log.printf("decode: %d/%d images, %.2f s per image%n", from + count, n, d.seconds() / (from + count));
            }
        });
        d.writeGrid(png, columns);
        return d.seconds();
    }

    /**
     * The decoded images of a run streamed into one {@code uint8 [N, H, W, 3]} file: each {@link #append} decodes its
     * latents {@code batch} at a time and writes their bytes; the first {@code gridImages} of the run are kept for
     * the PNG grid. Host memory holds one batch of pictures and the grid.
     */
    static final class Decoding {
        private final VaeDecoder dec;
        private final int h, w, batch, side, width, pixels, gridImages;
        private final float[] gridPixels;
        private int decoded;
        private long nanos;

        Decoding(VaeDecoder dec, int h, int w, int batch, int gridImages) {
            int scale = dec.config().upscale();
            this.dec = dec;
            this.h = h;
            this.w = w;
            this.batch = batch;
            this.side = h * scale;
            this.width = w * scale;
            this.pixels = side * width * 3;
            this.gridImages = gridImages;
            this.gridPixels = new float[gridImages * pixels];
        }

        /** The .npy prefix of a run of {@code n} images. */
        byte[] prefix(int n) { return Npy.prefix(NpyArray.DType.U8, new int[]{n, side, width, 3}); }

        /** Decodes latents {@code from … from + count − 1} of {@code nhwc} and appends their bytes to {@code out}. */
        void append(float[] nhwc, int from, int count, OutputStream out) throws IOException {
            byte[] bytes = new byte[Math.min(count, batch) * pixels];
            for (int i = 0; i < count; i += batch) {
                int k = Math.min(batch, count - i);
                long t0 = System.nanoTime();
                float[] images = dec.decode(SdLatents.decoderInput(nhwc, from + i, k, h, w), k, h, w);
                nanos += System.nanoTime() - t0;
                for (int j = 0; j < k * pixels; j++) bytes[j] = SdLatents.toByte(images[j]);
                out.write(bytes, 0, k * pixels);
                if (decoded < gridImages)
                    System.arraycopy(images, 0, gridPixels, decoded * pixels, Math.min(k, gridImages - decoded) * pixels);
                decoded += k;
            }
        }

        /** The grid of the first images, {@code columns} per row. */
        void writeGrid(Path png, int columns) {
            int grid = Math.min(decoded, gridImages);
            ImageGrid.tile(gridPixels, grid, side, width, 3, ImageGrid.Range.SYMMETRIC, Math.min(columns, grid), 2, 1).writePng(png);
        }

        /** Seconds spent in the decoder so far. */
        double seconds() { return nanos / 1e9; }
    }
}
