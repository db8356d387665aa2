package imfengine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistCacheTest {
    @TempDir
    Path dir;

    /** 30 images of 2×3 whose 180 pixels ramp from 0 to 255 (byte j = j·255/179); label of image i is i % 10. */
    private Path tinyCache() {
        int count = 30, rows = 2, cols = 3;
        byte[] px = new byte[count * rows * cols];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 255 / (px.length - 1));
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) labels[i] = (byte) (i % 10);
        Path p = dir.resolve("mnist.bin");
        MnistCache.write(p, count, rows, cols, px, labels);
        return p;
    }

    @Test
    void readsShapesLabelsAndScalesToSymmetricRange() {
        MnistCache m = MnistCache.open(tinyCache());
        assertEquals(30, m.count());
        assertEquals(2, m.height());
        assertEquals(3, m.width());
        assertEquals(1, m.channels());
        assertEquals(10, m.numClasses());
        assertEquals(7, m.label(17));
        assertEquals(-1f, m.image(0)[0]);
        assertEquals(1f, m.image(29)[5]);
        float[] img = m.image(4);
        int p = 4 * 6 + 2;
        assertEquals((p * 255 / 179) / 127.5f - 1f, img[2], 1e-6f);

        float[] batch = new float[3 * 6];
        int[] labels = new int[3];
        m.fillBatch(new int[] {29, 0, 4}, batch, labels);
        assertArrayEquals(new int[] {9, 0, 4}, labels);
        assertArrayEquals(m.image(29), Arrays.copyOfRange(batch, 0, 6));
        assertArrayEquals(m.image(4), Arrays.copyOfRange(batch, 12, 18));
    }

    @Test
    void splitIsFixedDisjointAndCovering() {
        MnistCache m = MnistCache.open(tinyCache());
        Dataset train = m.split(Split.TRAIN), test = m.split(Split.TEST);
        assertEquals(27, train.count());
        assertEquals(3, test.count());
        int[] tr = MnistCache.splitIndices(30, Split.TRAIN), te = MnistCache.splitIndices(30, Split.TEST);
        int[] all = IntStream.concat(Arrays.stream(tr), Arrays.stream(te)).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 30).toArray(), all);
        assertArrayEquals(m.image(te[1]), test.image(1));
        assertEquals(m.label(te[2]), test.label(2));
        assertArrayEquals(te, MnistCache.splitIndices(30, Split.TEST));

        int[] big = MnistCache.splitIndices(10_000, Split.TEST);
        assertEquals(1000, big.length);
        assertFalse(Arrays.equals(big, IntStream.range(9000, 10_000).toArray()), "test split must not be the last block");
    }

    @Test
    void missingFileSaysRunMakeData() {
        DataException e = assertThrows(DataException.class, () -> MnistCache.open(dir.resolve("mnist.bin")));
        assertTrue(e.getMessage().contains("mnist.bin") && e.getMessage().contains("make data"), e.getMessage());
    }

    @Test
    void corruptFilesAreNamed() throws Exception {
        Path p = tinyCache();
        byte[] good = Files.readAllBytes(p);
        for (int cut : new int[] {0, 10, 24, good.length - 1}) {
            Files.write(p, Arrays.copyOf(good, cut));
            assertOneLine(assertThrows(DataException.class, () -> MnistCache.open(p)), p);
        }
        Files.write(p, Arrays.copyOf(good, good.length + 1));
        assertTrue(assertThrows(DataException.class, () -> MnistCache.open(p)).getMessage().contains("trailing"));
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        Files.write(p, badMagic);
        assertTrue(assertThrows(DataException.class, () -> MnistCache.open(p)).getMessage().contains("magic"));
        byte[] badLabel = good.clone();
        badLabel[good.length - 1] = 10;
        Files.write(p, badLabel);
        assertTrue(assertThrows(DataException.class, () -> MnistCache.open(p)).getMessage().contains("label"));
    }

    static void assertOneLine(RuntimeException e, Path p) {
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
