package imfengine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import imfengine.io.Npy;
import imfengine.io.NpyArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyDatasetTest {
    @TempDir
    Path dir;

    private Path latents(int n) {
        float[] x = new float[n * 2 * 2 * 4];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.5f - 3f;
        Path p = dir.resolve("latents.npy");
        Npy.write(p, NpyArray.ofF32(new int[] {n, 2, 2, 4}, x));
        return p;
    }

    @Test
    void valuesAreUsedAsStoredForEveryLabelDtype() {
        Path x = latents(3);
        Path y = dir.resolve("labels.npy");
        for (NpyArray labels : new NpyArray[] {
                NpyArray.ofI64(new int[] {3}, new long[] {5, 0, 999}),
                NpyArray.ofI32(new int[] {3}, new int[] {5, 0, 999})}) {
            Npy.write(y, labels);
            NpyDataset d = NpyDataset.open(x, y);
            assertEquals(3, d.count());
            assertEquals(2, d.height());
            assertEquals(2, d.width());
            assertEquals(4, d.channels());
            assertEquals(1000, d.numClasses());
            assertEquals(999, d.label(2));
            float[] img = d.image(1);
            assertEquals(16 * 0.5f - 3f, img[0]);
            float[] batch = new float[32];
            int[] lab = new int[2];
            d.fillBatch(new int[] {2, 1}, batch, lab);
            assertArrayEquals(new int[] {999, 0}, lab);
            assertArrayEquals(img, Arrays.copyOfRange(batch, 16, 32));
        }
        Npy.write(y, NpyArray.ofU8(new int[] {3}, new byte[] {1, 2, 3}));
        assertEquals(10, NpyDataset.open(x, y, 10).numClasses());
    }

    @Test
    void clearErrors() throws Exception {
        Path x = latents(3);
        Path y = dir.resolve("labels.npy");
        DataException missing = assertThrows(DataException.class, () -> NpyDataset.open(x, y));
        assertTrue(missing.getMessage().contains("labels.npy"));

        Npy.write(y, NpyArray.ofI64(new int[] {2}, new long[] {0, 1}));
        assertTrue(assertThrows(DataException.class, () -> NpyDataset.open(x, y)).getMessage().contains("2 labels"));
        Npy.write(y, NpyArray.ofF32(new int[] {3}, new float[3]));
        assertThrows(DataException.class, () -> NpyDataset.open(x, y));
        Npy.write(y, NpyArray.ofI32(new int[] {3}, new int[] {0, -1, 2}));
        assertTrue(assertThrows(DataException.class, () -> NpyDataset.open(x, y)).getMessage().contains("negative"));

        Npy.write(y, NpyArray.ofI32(new int[] {3}, new int[] {0, 1, 2}));
        byte[] b = Files.readAllBytes(x);
        Files.write(x, Arrays.copyOf(b, b.length - 3));
        MnistCacheTest.assertOneLine(assertThrows(DataException.class, () -> NpyDataset.open(x, y)), x);
        Npy.write(x, NpyArray.ofF32(new int[] {3, 4}, new float[12]));
        assertTrue(assertThrows(DataException.class, () -> NpyDataset.open(x, y)).getMessage().contains("N×H×W×C"));
    }
}
