package imfengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The torch.save reader on files PyTorch 1.13 wrote ({@code tools/reference/make_pth_fixture.py}):
 * the same dict in the zip and the legacy format gives the same objects and values; dtypes
 * widen exactly; views (transposed, sliced with a storage offset, stride 0) read as PyTorch
 * reads them; non-tensor values come through as plain data; damaged files fail with one line.
 */
class PthFileTest {
    static final String HINT = "regenerate with /usr/bin/python3 tools/reference/make_pth_fixture.py";

    static Path fixture(String name) {
        try {
            var url = PthFileTest.class.getResource("/fixtures/pth/" + name);
            if (url == null) throw new IllegalStateException("fixture " + name + " missing; " + HINT);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test void zipAndLegacyFilesReadTheSameValues() {
        for (String name : List.of("pth_cases_zip.pth", "pth_cases_legacy.pth")) {
            try (PthFile f = PthFile.read(fixture(name))) {
                assertEquals(name.contains("zip") ? "zip" : "legacy", f.format());
                Map<?, ?> top = assertInstanceOf(Map.class, f.root(), name);
                assertEquals(List.of("model", "epoch", "args"), List.copyOf(top.keySet()), name);
                assertEquals(7L, top.get("epoch"));
                Pickle.PyObject args = assertInstanceOf(Pickle.PyObject.class, top.get("args"), "argparse.Namespace stays inert");
                assertEquals("argparse.Namespace", args.callable.toString());
                assertEquals(Map.of("lr", 0.1, "name", "x"), args.state);
                Map<?, ?> m = (Map<?, ?>) top.get("model");
                check(f, m, "f32", new int[]{2, 3}, 0, 1, 2, 3, 4, 5);
                check(f, m, "view_t", new int[]{3, 2}, 0, 3, 1, 4, 2, 5);
                check(f, m, "slice", new int[]{2, 2}, 5, 6, 9, 10);
                check(f, m, "bf16", new int[]{3}, 1.5f, -2.25f, (float) bf16(3.0e-3f));
                check(f, m, "f16", new int[]{3}, 0.5f, -65504f, Float.float16ToFloat(Float.floatToFloat16(6.1035e-05f)));
                check(f, m, "f64", new int[]{1, 2}, (float) (1.0 / 3.0), -2.5f);
                check(f, m, "param", new int[]{2}, 7, 8);
                check(f, m, "scalar", new int[]{}, 4.5f);
                PthFile.TensorRef i64 = (PthFile.TensorRef) m.get("i64");
                assertFalse(i64.isFloat());
                FileFormatException e = assertThrows(FileFormatException.class, () -> f.array("i64", i64));
                assertTrue(e.getMessage().contains("tensor i64 has dtype I64"), e.getMessage());
            }
        }
    }

    @Test void strideZeroViewsReadTheirOneElement() {
        try (PthFile f = PthFile.read(fixture("port_keys_xl2.pth"))) {
            Map<?, ?> m = (Map<?, ?>) f.root();
            PthFile.TensorRef t = (PthFile.TensorRef) m.get("net.x_embedder.proj.weight");
            assertArrayEquals(new int[]{1024, 4, 2, 2}, t.shape());
            assertArrayEquals(new long[]{0, 0, 0, 0}, t.stride());
            HostArray a = f.array("net.x_embedder.proj.weight", t);
            assertEquals(1024 * 16, a.data().length);
        }
    }

    @Test void damagedAndForeignFilesFailWithOneLine(@TempDir Path dir) throws IOException {
        byte[] zip = Files.readAllBytes(fixture("pth_cases_zip.pth")), legacy = Files.readAllBytes(fixture("pth_cases_legacy.pth"));
        Path cutZip = dir.resolve("cut.pth"), cutLegacy = dir.resolve("cut-legacy.pth"), text = dir.resolve("notes.pth");
        Files.write(cutZip, Arrays.copyOf(zip, zip.length / 2));
        Files.write(cutLegacy, Arrays.copyOf(legacy, 200));
        Files.writeString(text, "hello");
        for (Path p : List.of(cutZip, cutLegacy, text, dir.resolve("absent.pth"))) {
            FileFormatException e = assertThrows(FileFormatException.class, () -> PthFile.read(p).close(), p.toString());
            assertTrue(e.getMessage().startsWith(p.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        }
        // a legacy file cut inside its storages reads its object tree but not the data
        Path cutData = dir.resolve("cut-data.pth");
        Files.write(cutData, Arrays.copyOf(legacy, legacy.length - 4));
        assertThrows(FileFormatException.class, () -> PthFile.read(cutData).close());
    }

    /** Every single-byte corruption of a legacy file either reads or fails with a one-line FileFormatException. */
    @Test void corruptedBytesNeverEscapeAsOtherExceptions(@TempDir Path dir) throws IOException {
        byte[] good = Files.readAllBytes(fixture("pth_cases_legacy.pth"));
        Path bad = dir.resolve("bad.pth");
        int failures = 0;
        for (int i = 0; i < good.length; i++) {
            byte[] b = good.clone();
            b[i] ^= (byte) 0x5a;
            Files.write(bad, b);
            try (PthFile f = PthFile.read(bad)) {
                if (f.root() instanceof Map<?, ?> top && top.get("model") instanceof Map<?, ?> m)
                    for (var e : m.entrySet())
                        if (e.getValue() instanceof PthFile.TensorRef t && t.isFloat()) f.array(String.valueOf(e.getKey()), t);
            } catch (FileFormatException e) {
                failures++;
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
        assertTrue(failures > good.length / 10, failures + " of " + good.length + " corruptions noticed");
    }

    private static void check(PthFile f, Map<?, ?> m, String name, int[] shape, float... want) {
        PthFile.TensorRef t = assertInstanceOf(PthFile.TensorRef.class, m.get(name), name);
        HostArray a = f.array(name, t);
        assertArrayEquals(shape, a.shape(), name);
        assertArrayEquals(want, a.data(), 0f, name + " in " + f.format());
    }

    private static double bf16(float x) { // round to nearest even at bfloat16's 8-bit mantissa, as torch does
        int b = Float.floatToRawIntBits(x);
        b += 0x7fff + ((b >> 16) & 1);
        return Float.intBitsToFloat(b & 0xffff0000);
    }
}
