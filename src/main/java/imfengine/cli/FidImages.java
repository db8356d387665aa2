package imfengine.cli;

import imfengine.io.FileFormatException;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.io.PngReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The images {@code fid} measures, one at a time, as uint8 RGB values in floats {@code [h, w, 3]}: a sample
 * {@code .npy} ({@code N×H×W×C}, float32 in [0, 1] as {@code sample} writes it, or uint8; C = 1 is repeated to
 * RGB), read an image at a time so that 50 000 samples never sit in memory; a directory of PNGs (sorted by
 * name); or an in-memory uint8 batch (an ADM reference {@code .npz}'s {@code arr_0}). Floats are quantised
 * as the engine's PNGs are ({@code round(255·clamp(x, 0, 1))}): torch-fidelity takes uint8 images.
 */
abstract class FidImages implements AutoCloseable {
    record Image(float[] hwc, int height, int width) {}

    abstract int count();

    /** Image {@code i}, in order. */
    abstract Image get(int i);

    @Override public void close() {}

    static FidImages open(Path path) {
        if (Files.isDirectory(path)) return new PngDirectory(path);
        if (!Files.isRegularFile(path)) throw new UsageException("fid: samples not found: " + path);
        if (path.toString().toLowerCase(Locale.ROOT).endsWith(".npy")) return new NpyFile(path);
        throw new UsageException("fid: --samples must be an .npy file or a directory of PNGs, got " + path);
    }

    static FidImages of(Path file, NpyArray batch) { return new InMemory(file, batch); }

    /** {@code [N, H, W, C]} with C = 1 or 3, else a one-line error naming the file. */
    static void requireImages(Path file, int[] shape) {
        if (shape.length != 4 || (shape[3] != 1 && shape[3] != 3))
            throw new FileFormatException(file, "shape " + Arrays.toString(shape) + " is not N×H×W×C images with C = 1 or 3"
                    + (shape.length == 4 && shape[3] == 4 ? " (4 channels: latents; decode them to images first)" : ""));
    }

    static float quantize(float v) {
        if (!(v > 0f)) return 0f; // also NaN
        if (v >= 1f) return 255f;
        return Math.round(v * 255f);
    }

    /** {@code c} channels per pixel (1 or 3) → RGB. */
    static float[] rgb(float[] px, int pixels, int c) {
        if (c == 3) return px;
        float[] out = new float[pixels * 3];
        for (int p = 0; p < pixels; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = px[p];
        return out;
    }

    private static final class NpyFile extends FidImages {
        private final Path file;
        private final FileChannel ch;
        private final Npy.Header header;
        private final int n, h, w, c;

        NpyFile(Path file) {
            this.file = file;
            this.header = Npy.header(file);
            int[] s = header.shape();
            requireImages(file, s);
            if (header.dtype() != NpyArray.DType.F32 && header.dtype() != NpyArray.DType.U8)
                throw new FileFormatException(file, "dtype " + header.dtype().descr + ": fid reads float32 in [0, 1] or uint8 images");
            n = s[0];
            h = s[1];
            w = s[2];
            c = s[3];
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": " + e.getMessage(), e);
            }
        }

        @Override int count() { return n; }

        @Override Image get(int i) {
            int values = h * w * c, bytes = values * header.dtype().bytes;
            ByteBuffer buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            try {
                long pos = header.dataOffset() + (long) i * bytes;
                while (buf.hasRemaining()) if (ch.read(buf, pos + buf.position()) < 0) throw new FileFormatException(file, "truncated");
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": " + e.getMessage(), e);
            }
            buf.flip();
            float[] px = new float[values];
            boolean u8 = header.dtype() == NpyArray.DType.U8;
            for (int k = 0; k < values; k++) px[k] = u8 ? buf.get() & 0xFF : quantize(buf.getFloat());
            return new Image(rgb(px, h * w, c), h, w);
        }

        @Override public void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only: nothing to lose
            }
        }
    }

    private static final class PngDirectory extends FidImages {
        private final List<Path> files;

        PngDirectory(Path dir) {
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
            }
            if (files.isEmpty()) throw new UsageException("fid: no .png files in " + dir);
        }

        @Override int count() { return files.size(); }

        @Override Image get(int i) {
            PngReader.Rgb img = PngReader.read(files.get(i));
            float[] px = new float[img.pixels().length];
            for (int k = 0; k < px.length; k++) px[k] = img.pixels()[k] & 0xFF;
            return new Image(px, img.height(), img.width());
        }
    }

    private static final class InMemory extends FidImages {
        private final NpyArray batch;
        private final int n, h, w, c;

        InMemory(Path file, NpyArray batch) {
            requireImages(file, batch.shape());
            if (batch.dtype() != NpyArray.DType.U8 && batch.dtype() != NpyArray.DType.F32)
                throw new FileFormatException(file, "image batch of dtype " + batch.dtype().descr + ": need uint8 (or float32 in [0, 1])");
            this.batch = batch;
            n = batch.dim(0);
            h = batch.dim(1);
            w = batch.dim(2);
            c = batch.dim(3);
        }

        @Override int count() { return n; }

        @Override Image get(int i) {
            int values = h * w * c;
            float[] px = new float[values];
            if (batch.data() instanceof byte[] b) for (int k = 0; k < values; k++) px[k] = b[i * values + k] & 0xFF;
            else {
                float[] f = (float[]) batch.data();
                for (int k = 0; k < values; k++) px[k] = quantize(f[i * values + k]);
            }
            return new Image(rgb(px, h * w, c), h, w);
        }
    }
}
