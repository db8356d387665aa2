package imfengine.imf;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader of the PyTorch reference fixtures written by {@code tools/reference/make_fixture.py}
 * (llm.c style: a magic, a version, then named arrays). All little-endian:
 * <pre>
 *   int32 magic = 20261126, int32 version = 1, int32 count
 *   count × { int32 nameLen, UTF-8 name, int32 dtype (0 float32, 1 int32), int32 rank, int32 dims[rank], data }
 * </pre>
 * The array names and their meaning are listed in the script's docstring.
 */
final class TorchFixture {
    static final int MAGIC = 20261126, VERSION = 1;
    static final String HINT = "regenerate with /usr/bin/python3 tools/reference/make_fixture.py";

    /** One named array: its dims and either float or int data. */
    record Array(int[] dims, float[] floats, int[] ints) {
        int size() { return floats != null ? floats.length : ints.length; }
    }

    private final Map<String, Array> arrays;

    private TorchFixture(Map<String, Array> arrays) { this.arrays = arrays; }

    /** Loads a classpath resource such as {@code /fixtures/imf_tiny_v1.bin}. */
    static TorchFixture load(String resource) throws IOException {
        try (InputStream in = TorchFixture.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("fixture " + resource + " not on the test classpath; " + HINT);
            return read(in.readAllBytes(), resource);
        }
    }

    static TorchFixture read(byte[] bytes, String what) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12) throw new IOException(what + ": " + bytes.length + " bytes is too short for a fixture header; " + HINT);
        int magic = buf.getInt(), version = buf.getInt(), count = buf.getInt();
        if (magic != MAGIC) throw new IOException(what + ": bad magic " + magic + " (want " + MAGIC + "); " + HINT);
        if (version != VERSION) throw new IOException(what + ": version " + version + ", this reader wants " + VERSION + "; " + HINT);
        Map<String, Array> m = new LinkedHashMap<>();
        try {
            for (int a = 0; a < count; a++) {
                byte[] name = new byte[buf.getInt()];
                buf.get(name);
                int dtype = buf.getInt(), rank = buf.getInt();
                int[] dims = new int[rank];
                long size = 1;
                for (int i = 0; i < rank; i++) size *= dims[i] = buf.getInt();
                String key = new String(name, StandardCharsets.UTF_8);
                Array arr = switch (dtype) {
                    case 0 -> { float[] f = new float[Math.toIntExact(size)]; buf.asFloatBuffer().get(f); yield new Array(dims, f, null); }
                    case 1 -> { int[] n = new int[Math.toIntExact(size)]; buf.asIntBuffer().get(n); yield new Array(dims, null, n); }
                    default -> throw new IOException(what + ": array " + key + " has unknown dtype " + dtype + "; " + HINT);
                };
                buf.position(buf.position() + 4 * (int) size);
                m.put(key, arr);
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException(what + ": truncated after " + m.size() + " of " + count + " arrays; " + HINT);
        }
        if (buf.hasRemaining()) throw new IOException(what + ": " + buf.remaining() + " trailing bytes; " + HINT);
        return new TorchFixture(m);
    }

    Map<String, Array> arrays() { return arrays; }

    Array array(String name) {
        Array a = arrays.get(name);
        if (a == null) throw new IllegalArgumentException("fixture has no array '" + name + "'; " + HINT);
        return a;
    }

    float[] floats(String name) {
        Array a = array(name);
        if (a.floats == null) throw new IllegalArgumentException("fixture array '" + name + "' is int32, not float32");
        return a.floats;
    }

    int[] ints(String name) {
        Array a = array(name);
        if (a.ints == null) throw new IllegalArgumentException("fixture array '" + name + "' is float32, not int32");
        return a.ints;
    }

    int[] dims(String name) { return array(name).dims.clone(); }

    @Override public String toString() { return arrays.size() + " arrays " + Arrays.toString(arrays.keySet().toArray()); }
}
