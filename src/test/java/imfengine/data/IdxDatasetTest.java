package imfengine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {
    @TempDir
    Path dir;

    private static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian, as IDX
        b.putInt(0x0800 | dims.length);
        for (int d : dims) b.putInt(d);
        b.put(data);
        return b.array();
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    private static final byte[] PIXELS = {0, (byte) 255, 51, 102, 0, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 255};
    private static final byte[] LABELS = {3, 0, 7};

    private void writeSet(String prefix, boolean gz) throws IOException {
        byte[] img = idx(new int[] {3, 2, 2}, PIXELS), lab = idx(new int[] {3}, LABELS);
        String ext = gz ? ".gz" : "";
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + ext), gz ? gzip(img) : img);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), gz ? gzip(lab) : lab);
    }

    @Test
    void readsPlainAndGzippedAlike() throws IOException {
        writeSet("train", false);
        writeSet("t10k", true);
        for (String prefix : new String[] {"train", "t10k"}) {
            IdxDataset d = IdxDataset.openDir(dir, prefix);
            assertEquals(3, d.count());
            assertEquals(2, d.height());
            assertEquals(2, d.width());
            assertEquals(1, d.channels());
            assertEquals(8, d.numClasses());
            assertArrayEquals(new float[] {-1f, 1f, 51 / 127.5f - 1f, 102 / 127.5f - 1f}, d.image(0), 1e-6f);
            float[] batch = new float[8];
            int[] labels = new int[2];
            d.fillBatch(new int[] {2, 0}, batch, labels);
            assertArrayEquals(new int[] {7, 3}, labels);
            assertArrayEquals(new float[] {1, 1, 1, 1}, Arrays.copyOf(batch, 4));
        }
    }

    @Test
    void errorsNameTheFile() throws IOException {
        DataException missing = assertThrows(DataException.class, () -> IdxDataset.openDir(dir, "train"));
        assertTrue(missing.getMessage().contains("train-images-idx3-ubyte"), missing.getMessage());

        writeSet("train", false);
        Path img = dir.resolve("train-images-idx3-ubyte");
        byte[] good = Files.readAllBytes(img);
        Files.write(img, Arrays.copyOf(good, good.length - 1));
        MnistCacheTest.assertOneLine(assertThrows(DataException.class, () -> IdxDataset.openDir(dir, "train")), img);
        Files.write(img, Arrays.copyOf(good, 6));
        MnistCacheTest.assertOneLine(assertThrows(DataException.class, () -> IdxDataset.openDir(dir, "train")), img);
        Files.write(img, gzip(good));
        Files.write(img, Arrays.copyOf(Files.readAllBytes(img), 15));   // truncated gzip stream
        MnistCacheTest.assertOneLine(assertThrows(DataException.class, () -> IdxDataset.openDir(dir, "train")), img);

        Files.write(img, good);
        Path lab = dir.resolve("train-labels-idx1-ubyte");
        Files.write(lab, idx(new int[] {2}, new byte[] {1, 2}));
        MnistCacheTest.assertOneLine(assertThrows(DataException.class, () -> IdxDataset.openDir(dir, "train")), lab);
        Files.write(lab, idx(new int[] {3, 1}, LABELS));   // rank 2 labels: wrong magic
        assertTrue(assertThrows(DataException.class, () -> IdxDataset.openDir(dir, "train")).getMessage().contains("magic"));
    }
}
