package imfengine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryDtype() {
        float[] f = {0f, -1.5f, Float.MAX_VALUE, Float.MIN_VALUE, 3f, 4f};
        NpyArray a = roundTrip(NpyArray.ofF32(new int[] {1, 2, 3, 1}, f));
        assertEquals(NpyArray.DType.F32, a.dtype());
        assertArrayEquals(new int[] {1, 2, 3, 1}, a.shape());
        assertArrayEquals(f, a.floats());

        assertArrayEquals(new int[] {-7, 0, Integer.MAX_VALUE}, roundTrip(NpyArray.ofI32(new int[] {3}, new int[] {-7, 0, Integer.MAX_VALUE})).ints());
        long[] l = {Long.MIN_VALUE, 1, 2, 3};
        assertArrayEquals(l, (long[]) roundTrip(NpyArray.ofI64(new int[] {2, 2}, l)).data());
        byte[] u = {0, 1, (byte) 255};
        NpyArray ua = roundTrip(NpyArray.ofU8(new int[] {3}, u));
        assertArrayEquals(new int[] {0, 1, 255}, ua.ints());
        assertArrayEquals(new float[] {0, 1, 255}, ua.floats());
    }

    @Test
    void scalarAndEmptyShapes() {
        assertArrayEquals(new int[0], roundTrip(NpyArray.ofF32(new int[0], new float[] {2f})).shape());
        assertEquals(0, roundTrip(NpyArray.ofF32(new int[] {0, 4}, new float[0])).size());
    }

    @Test
    void headerIsNumpyV1Aligned() throws Exception {
        Path p = dir.resolve("a.npy");
        Npy.write(p, NpyArray.ofF32(new int[] {5}, new float[5]));
        byte[] b = Files.readAllBytes(p);
        int headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        assertEquals(0, (10 + headerLen) % 64);
        String h = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(h.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"), h);
        assertTrue(h.endsWith("\n"));
    }

    @Test
    void readsHandWrittenNumpyStyleFile() throws Exception {
        // What numpy 1.x writes for np.arange(3, dtype='<i8'), with a long-suffixed shape from old Pythons.
        String dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (3L,), }";
        StringBuilder h = new StringBuilder(dict);
        while ((10 + h.length() + 1) % 64 != 0) h.append(' ');
        h.append('\n');
        byte[] hb = h.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] file = new byte[10 + hb.length + 24];
        byte[] pre = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) hb.length, 0};
        System.arraycopy(pre, 0, file, 0, 10);
        System.arraycopy(hb, 0, file, 10, hb.length);
        for (int i = 0; i < 3; i++) file[10 + hb.length + 8 * i] = (byte) i;
        Path p = dir.resolve("np.npy");
        Files.write(p, file);
        assertArrayEquals(new int[] {0, 1, 2}, Npy.read(p).ints());
    }

    @Test
    void reportsMissingTruncatedAndUnsupported() throws Exception {
        Path missing = dir.resolve("none.npy");
        assertTrue(assertThrows(FileFormatException.class, () -> Npy.read(missing)).getMessage().contains("none.npy"));

        Path p = dir.resolve("t.npy");
        Npy.write(p, NpyArray.ofF32(new int[] {4, 4}, new float[16]));
        byte[] b = Files.readAllBytes(p);
        for (int cut : new int[] {3, 20, b.length - 1}) {
            Files.write(p, Arrays.copyOf(b, cut));
            FileFormatException e = assertThrows(FileFormatException.class, () -> Npy.read(p));
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"));
        }
        byte[] fortran = new String(b, StandardCharsets.ISO_8859_1).replace("False", "True ").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(p, fortran);
        assertTrue(assertThrows(FileFormatException.class, () -> Npy.read(p)).getMessage().contains("Fortran"));
        byte[] f8 = new String(b, StandardCharsets.ISO_8859_1).replace("<f4", "<f8").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(p, f8);
        assertTrue(assertThrows(FileFormatException.class, () -> Npy.read(p)).getMessage().contains("<f8"));
    }

    @Test
    void rejectsShapeDataMismatch() {
        assertThrows(IllegalArgumentException.class, () -> NpyArray.ofF32(new int[] {2, 2}, new float[3]));
    }

    private NpyArray roundTrip(NpyArray a) {
        Path p = dir.resolve("x.npy");
        Npy.write(p, a);
        return Npy.read(p);
    }
}
