package imfengine.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Full MNIST (or any dataset in the same format) from the standard IDX files, e.g.
 * {@code train-images-idx3-ubyte} + {@code train-labels-idx1-ubyte}, plain or gzipped (detected by
 * content, not by name). IDX: big-endian magic {@code 0x0000_08_nd} (type 0x08 = uint8, nd = number of
 * dimensions), nd big-endian uint32 dimensions, then the bytes. Images are 3-d (N×rows×cols) and give
 * one channel scaled to [−1, 1]; labels are 1-d; {@code numClasses} is the largest label + 1.
 */
public final class IdxDataset implements Dataset {
    private final U8Images images;

    private IdxDataset(U8Images images) {
        this.images = images;
    }

    /** Opens {@code <dir>/<prefix>-images-idx3-ubyte[.gz]} and the matching labels ({@code prefix}: "train" or "t10k"). */
    public static IdxDataset openDir(Path dir, String prefix) {
        return open(find(dir, prefix + "-images-idx3-ubyte"), find(dir, prefix + "-labels-idx1-ubyte"));
    }

    public static IdxDataset open(Path imagesFile, Path labelsFile) {
        Idx img = read(imagesFile, 3);
        Idx lab = read(labelsFile, 1);
        int count = img.dims[0];
        if (lab.dims[0] != count) {
            throw new DataException(labelsFile + ": " + lab.dims[0] + " labels but " + imagesFile + " has " + count + " images");
        }
        return new IdxDataset(new U8Images(img.data, lab.data, count, img.dims[1], img.dims[2], 1,
                U8Images.classesOf(lab.data, count)));
    }

    private static Path find(Path dir, String name) {
        Path plain = dir.resolve(name);
        if (Files.exists(plain)) return plain;
        Path gz = dir.resolve(name + ".gz");
        if (Files.exists(gz)) return gz;
        throw new DataException("dataset not found: " + plain + "[.gz] (download the MNIST IDX files into " + dir + ")");
    }

    private record Idx(int[] dims, byte[] data) {}

    private static Idx read(Path file, int rank) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
            if (b.length >= 2 && (b[0] & 0xFF) == 0x1F && (b[1] & 0xFF) == 0x8B) {
                try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
                    b = in.readAllBytes();
                }
            }
        } catch (NoSuchFileException e) {
            throw new DataException("dataset not found: " + file + " (download the MNIST IDX files)");
        } catch (ZipException | java.io.EOFException e) {
            throw new DataException(file + ": corrupt or truncated gzip data (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        int header = 4 + 4 * rank;
        if (b.length < header) throw new DataException(file + ": truncated: " + b.length + " bytes, IDX header needs " + header);
        ByteBuffer bb = ByteBuffer.wrap(b); // big-endian
        int magic = bb.getInt(0);
        int expectMagic = 0x0800 | rank;
        if (magic != expectMagic) {
            throw new DataException(file + ": not a uint8 IDX file of rank " + rank + String.format(
                    " (magic 0x%08x, expected 0x%08x)", magic, expectMagic));
        }
        int[] dims = new int[rank];
        long n = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = bb.getInt(4 + 4 * i);
            if (dims[i] < 1) throw new DataException(file + ": bad dimension " + dims[i]);
            n *= dims[i];
        }
        if (b.length - header != n) {
            throw new DataException(file + ": " + (b.length - header < n ? "truncated" : "trailing bytes") + ": "
                    + (b.length - header) + " data bytes, header says " + n);
        }
        byte[] data = new byte[(int) n];
        System.arraycopy(b, header, data, 0, (int) n);
        return new Idx(dims, data);
    }

    @Override public int count() { return images.count(); }
    @Override public int height() { return images.height(); }
    @Override public int width() { return images.width(); }
    @Override public int channels() { return 1; }
    @Override public int numClasses() { return images.numClasses(); }
    @Override public int label(int i) { return images.label(i); }
    @Override public void copyImage(int i, float[] out, int offset) { images.copyImage(i, out, offset); }
}
