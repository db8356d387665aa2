package imfengine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsManyTensorsAndMetadata() {
        Random r = new Random(345);
        Map<String, HostArray> t = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            int[] shape = {1 + r.nextInt(4), 1 + r.nextInt(5), 1 + r.nextInt(3)};
            float[] d = new float[shape[0] * shape[1] * shape[2]];
            for (int k = 0; k < d.length; k++) d[k] = (float) r.nextGaussian();
            t.put("blocks." + i + ".attn.qkv.weight", new HostArray(shape, d));
        }
        t.put("empty", new HostArray(new int[] {0, 3}, new float[0]));
        t.put("scalar", new HostArray(new int[0], new float[] {42f}));
        Map<String, String> meta = Map.of("step", "1200", "config", "{\"depth\": 4, \"name\": \"dit-é\"}", "format", "pt");
        Path p = dir.resolve("ckpt.safetensors");
        Safetensors.write(p, t, meta);

        SafetensorsFile f = Safetensors.read(p);
        assertEquals(meta, f.metadata());
        assertEquals(List.copyOf(t.keySet()), f.names());
        for (Map.Entry<String, HostArray> e : t.entrySet()) {
            HostArray got = f.get(e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape());
            assertArrayEquals(e.getValue().data(), got.data());
            assertEquals("F32", f.dtype(e.getKey()));
        }
        assertThrows(FileFormatException.class, () -> f.get("nope"));
    }

    @Test
    void readMetadataReadsTheHeaderOnly() throws IOException {
        Path p = dir.resolve("m.safetensors");
        Map<String, HostArray> t = new LinkedHashMap<>();
        t.put("w", new HostArray(new int[] {1000}, new float[1000]));
        Map<String, String> meta = Map.of("step", "7", "batch", "8");
        Safetensors.write(p, t, meta);
        assertEquals(meta, Safetensors.readMetadata(p));
        byte[] b = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(b, b.length - 4000)); // the tensor data cut off: the header still reads
        assertEquals(meta, Safetensors.readMetadata(p));
        assertThrows(FileFormatException.class, () -> Safetensors.read(p));
        Files.write(p, Arrays.copyOf(b, 12)); // the header cut off
        assertThrows(FileFormatException.class, () -> Safetensors.readMetadata(p));
    }

    @Test
    void emptyMetadataIsOmittedAndReadsBackEmpty() throws IOException {
        Path p = dir.resolve("a.safetensors");
        Map<String, HostArray> t = new LinkedHashMap<>();
        t.put("a", new HostArray(new int[] {2}, new float[] {1f, 2f}));
        Safetensors.write(p, t, Map.of());
        byte[] b = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8);
        // Byte-for-byte what huggingface's safetensors writes for {"a": torch.tensor([1., 2.])}.
        assertEquals("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                new String(b, 8, (int) n, StandardCharsets.UTF_8).strip());
        assertEquals(8 + n + 8, b.length);
        assertTrue(Safetensors.read(p).metadata().isEmpty());

        Safetensors.write(p, new LinkedHashMap<>(), Map.of());
        assertTrue(Safetensors.read(p).names().isEmpty());
    }

    @Test
    void detectsTruncationAnywhere() throws IOException {
        Path p = dir.resolve("t.safetensors");
        byte[] good = writeSample(p);
        long n = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        for (long cut : new long[] {0, 4, 7, 8, 8 + n / 2, 8 + n - 1, 8 + n, 8 + n + 5, good.length - 1}) {
            Files.write(p, Arrays.copyOf(good, (int) cut));
            assertFails(p, null);
        }
    }

    @Test
    void detectsCorruptHeaderLength() throws IOException {
        Path p = dir.resolve("h.safetensors");
        byte[] good = writeSample(p);
        long n = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        for (long bad : new long[] {-1, 0, 1, n - 8, n - 1, n + 8, good.length, Long.MAX_VALUE, n ^ (1L << 40)}) {
            byte[] b = good.clone();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bad);
            Files.write(p, b);
            assertFails(p, null);
        }
    }

    @Test
    void aTextFileIsNotASafetensorsFile() throws IOException {
        Path p = dir.resolve("passwd");
        Files.writeString(p, "root:x:0:0:root:/root:/bin/bash\n");
        assertFails(p, "not a safetensors file");
    }

    @Test
    void detectsTrailingBytes() throws IOException {
        Path p = dir.resolve("x.safetensors");
        byte[] good = writeSample(p);
        Files.write(p, Arrays.copyOf(good, good.length + 4));
        assertFails(p, "trailing");
    }

    @Test
    void detectsBadEntries() throws IOException {
        Path p = dir.resolve("e.safetensors");
        String ok = "\"dtype\":\"F32\",\"shape\":[2]";
        raw(p, "{\"a\":{" + ok + ",\"data_offsets\":[0,12]}}", 12);
        assertFails(p, "needs 8");
        raw(p, "{\"a\":{" + ok + ",\"data_offsets\":[0,8]}}", 4);
        assertFails(p, "truncated");
        raw(p, "{\"a\":{" + ok + ",\"data_offsets\":[0,8]},\"b\":{" + ok + ",\"data_offsets\":[4,12]}}", 16);
        assertFails(p, "overlap");
        raw(p, "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        assertFails(p, "dtype");
        raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8);
        assertFails(p, "shape");
        raw(p, "{\"a\":{" + ok + ",\"data_offsets\":[8,0]}}", 8);
        assertFails(p, "data_offsets");
        raw(p, "{\"__metadata__\":{\"k\":3}}", 0);
        assertFails(p, "__metadata__");
        raw(p, "[1,2]", 0);
        assertFails(p, "object");
        raw(p, "{\"a\":{" + ok + ",\"data_offsets\":[0,8]", 8);
        assertFails(p, "JSON");
    }

    @Test
    void readsOtherDtypesAsFloat() throws IOException {
        Path p = dir.resolve("d.safetensors");
        ByteBuffer data = ByteBuffer.allocate(2 + 2 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) (Float.floatToIntBits(1.5f) >>> 16));  // BF16
        data.putShort(Float.floatToFloat16(-2.25f));                  // F16
        data.putLong(1L << 40);                                       // I64
        data.putInt(-7);                                              // I32
        String h = "{\"bf\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[2,4]},"
                + "\"l\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[4,12]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[12,16]}}";
        raw(p, h, data.array());
        SafetensorsFile f = Safetensors.read(p);
        assertEquals(1.5f, f.get("bf").data()[0]);
        assertEquals(-2.25f, f.get("h").data()[0]);
        assertEquals((float) (1L << 40), f.get("l").data()[0]);
        assertEquals(-7f, f.get("i").data()[0]);
        assertEquals("BF16", f.dtype("bf"));
        assertArrayEquals(new int[] {1, 1}, f.get("i").shape());
    }

    @Test
    void failedWriteLeavesOldFileIntact() throws IOException {
        Path p = dir.resolve("keep.safetensors");
        byte[] before = writeSample(p);
        Map<String, HostArray> bad = new LinkedHashMap<>();
        bad.put("fine", new HostArray(new int[] {1000}, new float[1000]));
        bad.put("short", new HostArray(new int[] {2, 3}, new float[5]));  // data does not match shape
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, bad, Map.of("step", "2")));
        assertTrue(e.getMessage().contains("short"));
        assertArrayEquals(before, Files.readAllBytes(p));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList(), "temporary file left behind");
        }
    }

    @Test
    void missingFileNamesPath() {
        Path p = dir.resolve("absent.safetensors");
        FileFormatException e = assertThrows(FileFormatException.class, () -> Safetensors.read(p));
        assertTrue(e.getMessage().contains("absent.safetensors"));
    }

    private static void assertFails(Path p, String mention) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> Safetensors.read(p));
        String m = e.getMessage();
        assertTrue(m.startsWith(p.toString() + ": "), m);
        assertFalse(m.contains("\n"), m);
        if (mention != null) assertTrue(m.contains(mention), m);
    }

    private static byte[] writeSample(Path p) throws IOException {
        Map<String, HostArray> t = new LinkedHashMap<>();
        t.put("w", new HostArray(new int[] {3, 4}, new float[12]));
        t.put("b", new HostArray(new int[] {4}, new float[] {1, 2, 3, 4}));
        Safetensors.write(p, t, Map.of("step", "7"));
        return Files.readAllBytes(p);
    }

    private static void raw(Path p, String header, int dataBytes) throws IOException {
        raw(p, header, new byte[dataBytes]);
    }

    private static void raw(Path p, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(p, b.array());
    }
}
