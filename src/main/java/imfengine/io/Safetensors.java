package imfengine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files:
 * an 8-byte little-endian header length {@code n}, {@code n} bytes of UTF-8 JSON (padded with
 * spaces to a multiple of 8), then the tensor bytes, little-endian, C order, packed without gaps.
 * The header maps each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * (offsets relative to the end of the header) and may hold {@code "__metadata__"}, a map of
 * string to string.
 *
 * <p>We write F32 only; we read F32, F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL, converting to
 * float32. Writes are atomic ({@link AtomicWrite}). Reads check everything (header length against
 * the file size, JSON, dtypes, shapes, offsets, that the data tiles the buffer exactly) and throw
 * a one-line {@link FileFormatException} naming the file.
 */
public final class Safetensors {
    /** The reference implementation refuses headers above 100 MB; so do we. */
    private static final long MAX_HEADER = 100L << 20;
    private static final String METADATA = "__metadata__";
    private static final int CHUNK = 1 << 20;

    private Safetensors() {}

    /**
     * Writes {@code tensors} (in map order) and {@code metadata} (may be empty) to {@code file},
     * replacing it atomically. A tensor whose data length does not match its shape makes the write
     * fail with {@link IllegalArgumentException} and leaves any existing file untouched.
     */
    public static void write(Path file, Map<String, HostArray> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) header.put(METADATA, new LinkedHashMap<String, Object>(metadata));
        long offset = 0;
        for (Map.Entry<String, HostArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals(METADATA)) throw new IllegalArgumentException("bad tensor name '" + name + "'");
            int[] shape = e.getValue().shape();
            long bytes = NpyArray.numel(shape) * 4;
            List<Object> dims = new ArrayList<>();
            for (int d : shape) dims.add((long) d);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", dims);
            entry.put("data_offsets", List.of(offset, offset + bytes));
            header.put(name, entry);
            offset += bytes;
        }
        byte[] h = Json.write(header).getBytes(StandardCharsets.UTF_8);
        byte[] hp = new byte[(h.length + 7) / 8 * 8];                    // pad with spaces to 8-byte alignment
        System.arraycopy(h, 0, hp, 0, h.length);
        for (int i = h.length; i < hp.length; i++) hp[i] = ' ';

        AtomicWrite.write(file, out -> {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            buf.putLong(hp.length);
            out.write(buf.array(), 0, 8);
            out.write(hp);
            for (Map.Entry<String, HostArray> e : tensors.entrySet()) {
                HostArray a = e.getValue();
                // Checked here, as the tensor is streamed: a mismatch aborts a half-written temp file.
                if (a.data().length != a.numel()) {
                    throw new IllegalArgumentException("tensor '" + e.getKey() + "' has shape " + a
                            + " (" + a.numel() + " elements) but " + a.data().length + " values");
                }
                float[] d = a.data();
                for (int off = 0; off < d.length; off += CHUNK / 4) {
                    int k = Math.min(CHUNK / 4, d.length - off);
                    buf.clear();
                    buf.asFloatBuffer().put(d, off, k);
                    out.write(buf.array(), 0, k * 4);
                }
            }
        });
    }

    /** Reads and validates the whole file. */
    public static SafetensorsFile read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, ch);
        } catch (NoSuchFileException e) {
            throw new FileFormatException(file, "file not found");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** The {@code __metadata__} map alone: reads and checks the header, not the tensors (a checkpoint's settings, cheaply). */
    public static Map<String, String> readMetadata(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(file, ch).metadata();
        } catch (NoSuchFileException e) {
            throw new FileFormatException(file, "file not found");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private record Entry(String name, String dtype, int[] shape, long begin, long end) {}

    /** A parsed header: its length in bytes, the metadata and the tensor entries (not yet checked against the data). */
    private record Header(long length, Map<String, String> metadata, List<Entry> entries) {}

    private static SafetensorsFile read(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        Header h = header(file, ch);
        long n = h.length();
        Map<String, String> metadata = h.metadata();
        List<Entry> entries = h.entries();
        long bufferLen = size - 8 - n;
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expect = 0;
        for (Entry en : entries) {
            if (en.begin != expect) {
                throw new FileFormatException(file, "tensor '" + en.name + "' data starts at " + en.begin
                        + " but the previous one ends at " + expect + " (overlap or gap)");
            }
            expect = en.end;
        }
        if (expect > bufferLen) {
            throw new FileFormatException(file, "truncated: tensors need " + expect + " data bytes, file has " + bufferLen);
        }
        if (expect < bufferLen) {
            throw new FileFormatException(file, (bufferLen - expect) + " trailing bytes after the last tensor");
        }

        Map<String, HostArray> tensors = new LinkedHashMap<>();
        Map<String, String> dtypes = new LinkedHashMap<>();
        for (Entry en : entries) {
            tensors.put(en.name, new HostArray(en.shape, readTensor(ch, 8 + n + en.begin, en, file)));
            dtypes.put(en.name, en.dtype);
        }
        return new SafetensorsFile(file, metadata, tensors, dtypes);
    }

    private static Header header(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) throw new FileFormatException(file, "truncated: " + size + " bytes, not even a header length");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file);
        long n = lenBuf.getLong(0);
        // A safetensors file opens with its header's length and then '{'; anything else is some other file.
        if (n < 2 || n > MAX_HEADER) {
            throw new FileFormatException(file, "not a safetensors file (its first 8 bytes read as a header length of " + n + ")");
        }
        if (n > size - 8) {
            throw new FileFormatException(file, "truncated: header length " + n + " but only " + (size - 8) + " bytes follow");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(hb.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new FileFormatException(file, "header is not valid UTF-8");
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.ParseException e) {
            throw new FileFormatException(file, "header: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> top)) throw new FileFormatException(file, "header is not a JSON object");

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA)) {
                if (!(e.getValue() instanceof Map<?, ?> m)) throw new FileFormatException(file, "__metadata__ is not an object");
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String v)) {
                        throw new FileFormatException(file, "__metadata__ value for '" + me.getKey() + "' is not a string");
                    }
                    metadata.put((String) me.getKey(), v);
                }
            } else {
                entries.add(entry(file, name, e.getValue()));
            }
        }
        return new Header(n, metadata, entries);
    }

    private static Entry entry(Path file, String name, Object value) {
        String where = "tensor '" + name + "': ";
        if (!(value instanceof Map<?, ?> m)) throw new FileFormatException(file, where + "entry is not an object");
        if (!(m.get("dtype") instanceof String dtype)) throw new FileFormatException(file, where + "no dtype");
        int width = width(dtype);
        if (width < 0) throw new FileFormatException(file, where + "unsupported dtype " + dtype);
        if (!(m.get("shape") instanceof List<?> dims)) throw new FileFormatException(file, where + "no shape");
        int[] shape = new int[dims.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new FileFormatException(file, where + "bad shape " + dims);
            }
            shape[i] = (int) (long) d;
            numel *= d;
            if (numel > Integer.MAX_VALUE) throw new FileFormatException(file, where + "shape " + dims + " too large for one Java array");
        }
        if (!(m.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end) || begin < 0 || end < begin) {
            throw new FileFormatException(file, where + "bad data_offsets " + m.get("data_offsets"));
        }
        if (end - begin != numel * width) {
            throw new FileFormatException(file, where + "data_offsets span " + (end - begin) + " bytes but shape "
                    + dims + " of " + dtype + " needs " + numel * width);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static int width(String dtype) {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16", "I16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> -1;
        };
    }

    private static float[] readTensor(FileChannel ch, long pos, Entry en, Path file) throws IOException {
        int w = width(en.dtype);
        int n = (int) ((en.end - en.begin) / w);
        float[] out = new float[n];
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        int per = CHUNK / w;
        for (int off = 0; off < n; off += per) {
            int k = Math.min(per, n - off);
            buf.clear().limit(k * w);
            readFully(ch, buf, pos + (long) off * w, file);
            buf.flip();
            for (int i = 0; i < k; i++) {
                out[off + i] = switch (en.dtype) {
                    case "F32" -> buf.getFloat();
                    case "F64" -> (float) buf.getDouble();
                    case "F16" -> Float.float16ToFloat(buf.getShort());
                    case "BF16" -> Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16);
                    case "I64" -> buf.getLong();
                    case "I32" -> buf.getInt();
                    case "I16" -> buf.getShort();
                    case "I8" -> buf.get();
                    case "U8", "BOOL" -> buf.get() & 0xFF;
                    default -> throw new IllegalStateException(en.dtype);
                };
            }
        }
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, p);
            if (r < 0) throw new FileFormatException(file, "truncated at byte " + p);
            p += r;
        }
    }
}
