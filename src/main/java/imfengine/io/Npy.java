package imfengine.io;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes numpy {@code .npy} files: magic {@code \x93NUMPY}, version byte pair, header
 * length (uint16 LE for v1.0, uint32 LE for v2.0/3.0), an ASCII Python dict
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, H, W, C), }} padded with spaces
 * and a newline to a multiple of 64 bytes, then the elements in C order. Dtypes: see
 * {@link NpyArray.DType}. Writes produce v1.0 and are atomic ({@link AtomicWrite}).
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final int CHUNK = 1 << 22;

    private Npy() {}

    public static void write(Path file, NpyArray a) {
        AtomicWrite.write(file, os -> write(os, a));
    }

    /** The {@code .npy} bytes of {@code a} to {@code os} (an entry of an {@code .npz}, say); does not close it. */
    public static void write(java.io.OutputStream os, NpyArray a) throws IOException {
        DataOutputStream out = new DataOutputStream(os);
        out.write(prefix(a.dtype(), a.shape()));
        writeData(out, a);
        out.flush();
    }

    /**
     * Everything of a v1.0 file before its elements: magic, version, header length and the padded header. A file
     * written in parts (elements streamed after it) is this, then exactly {@code numel(shape)} elements.
     */
    public static byte[] prefix(NpyArray.DType dtype, int[] shape) {
        StringBuilder dims = new StringBuilder();
        for (int d : shape) dims.append(d).append(", ");
        if (shape.length == 1) dims.setLength(dims.length() - 1);          // "(5,)"
        else if (shape.length > 1) dims.setLength(dims.length() - 2);      // "(2, 3)"
        StringBuilder header = new StringBuilder("{'descr': '" + dtype.descr
                + "', 'fortran_order': False, 'shape': (" + dims + "), }");
        while ((MAGIC.length + 4 + header.length() + 1) % 64 != 0) header.append(' ');
        header.append('\n');
        byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[MAGIC.length + 4 + h.length];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[6] = 1;
        out[7] = 0;
        out[8] = (byte) (h.length & 0xFF);
        out[9] = (byte) (h.length >>> 8);
        System.arraycopy(h, 0, out, 10, h.length);
        return out;
    }

    /**
     * {@code a[from … from + count)} as little-endian float32 elements to {@code os}: a piece of a file streamed after
     * its {@link #prefix}.
     */
    public static void writeFloats(java.io.OutputStream os, float[] a, int from, int count) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Math.min(CHUNK, 4 * Math.max(count, 1))).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from; i < from + count; i++) {
            if (buf.remaining() < 4) {
                os.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putFloat(a[i]);
        }
        os.write(buf.array(), 0, buf.position());
    }

    private static void writeData(DataOutputStream out, NpyArray a) throws IOException {
        if (a.data() instanceof byte[] b) {
            out.write(b);
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        int n = a.size();
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 8) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            switch (a.data()) {
                case float[] f -> buf.putFloat(f[i]);
                case double[] d -> buf.putDouble(d[i]);
                case int[] v -> buf.putInt(v[i]);
                case long[] v -> buf.putLong(v[i]);
                default -> throw new IllegalStateException();
            }
        }
        out.write(buf.array(), 0, buf.position());
    }

    /** Where an array's elements are: dtype, shape and the byte offset of the first element. */
    public record Header(NpyArray.DType dtype, int[] shape, long dataOffset) {}

    /** The header alone (checked against the file's size), for reading a large array a slice at a time. */
    public static Header header(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(ch, file);
        } catch (NoSuchFileException e) {
            throw new FileFormatException(file, "file not found");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    public static NpyArray read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(ch, file);
            long n = NpyArray.numel(h.shape());
            if (n > Integer.MAX_VALUE - 8) throw new FileFormatException(file, "array too large for one Java array");
            return readData(ch, h.dataOffset(), h.dtype(), h.shape(), (int) n, file);
        } catch (NoSuchFileException e) {
            throw new FileFormatException(file, "file not found");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private static Header header(FileChannel ch, Path file) throws IOException {
        long fileSize = ch.size();
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0, file);
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre.get(i) != MAGIC[i]) throw new FileFormatException(file, "not a .npy file (bad magic)");
        }
        int major = pre.get(6);
        int headerLen;
        int prefix;
        if (major == 1) {
            headerLen = pre.getShort(8) & 0xFFFF;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            headerLen = pre.getInt(8);
            prefix = 12;
        } else {
            throw new FileFormatException(file, "unsupported .npy version " + major);
        }
        if (headerLen < 0 || prefix + (long) headerLen > fileSize) {
            throw new FileFormatException(file, "truncated: header of " + headerLen + " bytes, file has " + fileSize);
        }
        ByteBuffer hb = ByteBuffer.allocate(headerLen);
        readFully(ch, hb, prefix, file);
        String header = new String(hb.array(), StandardCharsets.ISO_8859_1);
        NpyArray.DType dtype = dtype(file, group(file, DESCR, header, "descr"));
        if (group(file, FORTRAN, header, "fortran_order").equals("True")) {
            throw new FileFormatException(file, "Fortran-order arrays are not supported (save with C order)");
        }
        int[] shape = shape(file, group(file, SHAPE, header, "shape"));
        long n = NpyArray.numel(shape);
        long dataBytes = fileSize - prefix - headerLen;
        if (dataBytes != n * dtype.bytes) {
            throw new FileFormatException(file, (dataBytes < n * dtype.bytes ? "truncated" : "trailing bytes")
                    + ": shape " + Arrays.toString(shape) + " of " + dtype.descr + " needs " + n * dtype.bytes
                    + " data bytes, file has " + dataBytes);
        }
        return new Header(dtype, shape, prefix + (long) headerLen);
    }

    private static NpyArray readData(FileChannel ch, long pos, NpyArray.DType dtype, int[] shape, int n, Path file)
            throws IOException {
        Object data = switch (dtype) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case U8 -> new byte[n];
        };
        int perChunk = CHUNK / dtype.bytes;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off < n; off += perChunk) {
            int k = Math.min(perChunk, n - off);
            buf.clear().limit(k * dtype.bytes);
            readFully(ch, buf, pos + (long) off * dtype.bytes, file);
            buf.flip();
            switch (data) {
                case float[] f -> buf.asFloatBuffer().get(f, off, k);
                case double[] d -> buf.asDoubleBuffer().get(d, off, k);
                case int[] v -> buf.asIntBuffer().get(v, off, k);
                case long[] v -> buf.asLongBuffer().get(v, off, k);
                case byte[] v -> buf.get(v, off, k);
                default -> throw new IllegalStateException();
            }
        }
        return switch (data) {
            case float[] f -> NpyArray.ofF32(shape, f);
            case double[] d -> NpyArray.ofF64(shape, d);
            case int[] v -> NpyArray.ofI32(shape, v);
            case long[] v -> NpyArray.ofI64(shape, v);
            case byte[] v -> NpyArray.ofU8(shape, v);
            default -> throw new IllegalStateException();
        };
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, p);
            if (r < 0) throw new FileFormatException(file, "truncated at byte " + p);
            p += r;
        }
    }

    private static String group(Path file, Pattern p, String header, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new FileFormatException(file, "bad .npy header: no '" + key + "' entry");
        return m.group(1);
    }

    private static NpyArray.DType dtype(Path file, String descr) {
        String d = descr.equals("<u1") ? "|u1" : descr;
        for (NpyArray.DType t : NpyArray.DType.values()) if (t.descr.equals(d)) return t;
        throw new FileFormatException(file, "unsupported dtype '" + descr + "' (supported: <f4, <f8, <i4, <i8, |u1)");
    }

    private static int[] shape(Path file, String tuple) {
        String[] parts = tuple.split(",");
        int count = 0;
        for (String s : parts) if (!s.isBlank()) count++;
        int[] shape = new int[count];
        int k = 0;
        for (String s : parts) {
            if (s.isBlank()) continue;
            try {
                shape[k++] = Integer.parseInt(s.strip().replace("L", ""));
            } catch (NumberFormatException e) {
                throw new FileFormatException(file, "bad .npy shape (" + tuple + ")");
            }
            if (shape[k - 1] < 0) throw new FileFormatException(file, "negative dimension in .npy shape (" + tuple + ")");
        }
        return shape;
    }
}
