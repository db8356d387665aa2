package imfengine.io;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A file written by PyTorch's {@code torch.save}, read without Python. Both layouts are read:
 * <ul>
 * <li><b>zip</b> (the default since torch 1.6): {@code <dir>/data.pkl} is a pickle whose tensors
 *     point by persistent id to raw little-endian storages {@code <dir>/data/<key>};</li>
 * <li><b>legacy</b> ({@code _use_new_zipfile_serialization=False}): five pickles in a row — a magic
 *     number, protocol 1001, the writer's sys_info, the object, the sorted storage keys — then each
 *     storage as an int64 element count and its raw bytes.</li>
 * </ul>
 * The object tree ({@link #root()}) holds {@link TensorRef}s where the file has tensors; their
 * data is read only when {@link #array} asks, one tensor at a time, so a multi-GB checkpoint never
 * sits in memory twice.
 */
public final class PthFile implements AutoCloseable {
    /** Element types of torch storages, by the storage class name the pickle names. */
    public enum Dtype {
        F32("FloatStorage", 4), F64("DoubleStorage", 8), F16("HalfStorage", 2), BF16("BFloat16Storage", 2),
        I64("LongStorage", 8), I32("IntStorage", 4), I16("ShortStorage", 2), I8("CharStorage", 1),
        U8("ByteStorage", 1), BOOL("BoolStorage", 1);

        final String storageClass;
        final int bytes;

        Dtype(String storageClass, int bytes) {
            this.storageClass = storageClass;
            this.bytes = bytes;
        }

        boolean isFloat() { return this == F32 || this == F64 || this == F16 || this == BF16; }

        static Dtype of(String storageClass) {
            for (Dtype d : values()) if (d.storageClass.equals(storageClass)) return d;
            return null;
        }
    }

    /**
     * One storage: its key in the file, element type ({@code null} with {@code typeName} for
     * types this reader does not know, e.g. ComplexFloatStorage), element count, and the element
     * offset of a legacy storage view into its root storage (0 otherwise).
     */
    public record Storage(String key, Dtype dtype, String typeName, long numel, long base) {}

    /** A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a strided view of a storage. */
    public record TensorRef(Storage storage, long offset, int[] shape, long[] stride) {
        public long numel() { return NpyArray.numel(shape); }

        /** Where {@link PthFile#array} can convert it: float32, float64, float16 or bfloat16. */
        public boolean isFloat() { return storage.dtype != null && storage.dtype.isFloat(); }

        public String dtypeName() { return storage.dtype != null ? storage.dtype.name() : storage.typeName; }
    }

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;

    private final Path path;
    private final String format;
    private final Object root;
    private final StorageSource source;

    private PthFile(Path path, String format, Object root, StorageSource source) {
        this.path = path;
        this.format = format;
        this.root = root;
        this.source = source;
    }

    public Path path() { return path; }

    /** {@code "zip"} or {@code "legacy"}. */
    public String format() { return format; }

    /** The unpickled object: Maps, Lists, Strings, numbers, {@link TensorRef}s, inert {@link Pickle.PyObject}s. */
    public Object root() { return root; }

    /** Does the file start like a {@code torch.save} file (zip, or a pickle)? */
    public static boolean looksLikePth(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return isZip(head) || (head.length > 0 && (head[0] & 0xff) == 0x80);
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads the object tree of {@code file} (not yet the tensor data); a {@link FileFormatException} says what is wrong. */
    public static PthFile read(Path file) {
        if (!Files.isRegularFile(file)) throw new FileFormatException(file, "no such file");
        try {
            byte[] head;
            try (InputStream in = Files.newInputStream(file)) {
                head = in.readNBytes(4);
            }
            if (isZip(head)) return readZip(file);
            if (head.length > 0 && (head[0] & 0xff) == 0x80) return readLegacy(file);
            throw new FileFormatException(file, "not a PyTorch torch.save file (neither a zip archive nor a pickle)");
        } catch (FileFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) { // a damaged pickle can fail anywhere; say so in one line
            throw new FileFormatException(file, "unreadable torch.save file: " + message(e), e);
        }
    }

    /**
     * Throws unless {@link #array} can read {@code t}: a float dtype, sizes that fit one array, every
     * element inside its storage, and the storage's bytes in the file. Reads no tensor data, so a
     * caller can check a whole state dict before it copies any of it.
     */
    public void check(String name, TensorRef t) {
        if (!t.isFloat())
            throw new FileFormatException(path, "tensor " + name + " has dtype " + t.dtypeName()
                    + "; imf-engine reads float32, float64, float16 and bfloat16 tensors");
        Storage s = t.storage();
        for (int d : t.shape()) if (d < 0) throw new FileFormatException(path, "tensor " + name + " has a negative size " + Arrays.toString(t.shape()));
        if (t.numel() > Integer.MAX_VALUE - 8) throw new FileFormatException(path, "tensor " + name + " has " + t.numel() + " elements, too many for one array");
        if (t.numel() > 0 && !insideStorage(t))
            throw new FileFormatException(path, "tensor " + name + " reaches outside its storage " + s.key() + " (" + s.numel() + " elements)");
        long have;
        try {
            have = source.bytes(s);
        } catch (IOException | RuntimeException e) {
            throw new FileFormatException(path, "storage " + s.key() + " of tensor " + name + ": " + message(e), e);
        }
        if (have >= 0 && (s.base() + s.numel()) * s.dtype().bytes > have)
            throw new FileFormatException(path, "storage " + s.key() + " of tensor " + name + " holds " + have + " bytes, fewer than its "
                    + s.numel() + " elements of " + s.dtype());
    }

    /** Do the lowest and the highest element of the strided view lie in {@code [0, numel)} of its storage? */
    private static boolean insideStorage(TensorRef t) {
        long lo = t.offset(), hi = t.offset();
        try {
            for (int d = 0; d < t.shape().length; d++) {
                long span = Math.multiplyExact(t.shape()[d] - 1L, t.stride()[d]);
                if (span < 0) lo = Math.addExact(lo, span);
                else hi = Math.addExact(hi, span);
            }
        } catch (ArithmeticException e) {
            return false; // strides of a damaged file
        }
        return lo >= 0 && hi < t.storage().numel();
    }

    /**
     * The tensor converted to float32 in C order ({@code name} only labels errors), after {@link
     * #check}. Float64 rounds to nearest; float16 and bfloat16 widen exactly. Other dtypes are refused.
     */
    public HostArray array(String name, TensorRef t) {
        check(name, t);
        Storage s = t.storage();
        ByteBuffer raw;
        try {
            raw = source.read(s).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException | RuntimeException e) {
            throw new FileFormatException(path, "storage " + s.key() + " of tensor " + name + ": " + message(e), e);
        }
        long limit = s.numel();
        if ((s.base() + limit) * s.dtype().bytes > raw.capacity())
            throw new FileFormatException(path, "storage " + s.key() + " of tensor " + name + " holds " + raw.capacity() + " bytes, fewer than its "
                    + limit + " elements of " + s.dtype());
        int[] shape = t.shape();
        long[] stride = t.stride();
        float[] out = new float[(int) t.numel()];
        int[] idx = new int[shape.length];
        for (int i = 0; i < out.length; i++) { // check() kept every index inside the storage
            long e = s.base() + t.offset();
            for (int d = 0; d < shape.length; d++) e += idx[d] * stride[d];
            out[i] = element(raw, s.dtype(), e);
            for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0; // next index in C order
        }
        return new HostArray(shape.clone(), out);
    }

    private static String message(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static float element(ByteBuffer b, Dtype dt, long e) {
        int at = Math.toIntExact(e * dt.bytes);
        return switch (dt) {
            case F32 -> b.getFloat(at);
            case F64 -> (float) b.getDouble(at);
            case F16 -> Float.float16ToFloat(b.getShort(at));
            case BF16 -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            default -> throw new IllegalStateException("not a float dtype: " + dt);
        };
    }

    @Override public void close() {
        try {
            source.close();
        } catch (IOException ignored) {
            // nothing was written; a failed close of a read-only file loses nothing
        }
    }

    private static boolean isZip(byte[] head) {
        return head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    }

    // ------------------------------------------------------------------------------------------
    // the two layouts

    private static PthFile readZip(Path file) throws IOException {
        ZipFile zip = new ZipFile(file.toFile());
        try {
            String dir = null;
            for (var it = zip.entries().asIterator(); it.hasNext(); ) {
                String n = it.next().getName();
                int slash = n.indexOf('/');
                if (slash > 0 && n.substring(slash).equals("/data.pkl")) { dir = n.substring(0, slash + 1); break; }
            }
            if (dir == null) throw new FileFormatException(file, "zip archive without <dir>/data.pkl: not a torch.save file");
            ZipEntry order = zip.getEntry(dir + "byteorder");
            if (order != null) {
                String bo = new String(zip.getInputStream(order).readAllBytes()).trim();
                if (!bo.equals("little")) throw new FileFormatException(file, "storages are " + bo + "-endian; only little-endian files are read");
            }
            Hooks hooks = new Hooks(file);
            Object root;
            try (InputStream in = zip.getInputStream(zip.getEntry(dir + "data.pkl"))) {
                root = Pickle.load(new Pickle.CountingInput(new BufferedInputStream(in), 0), hooks);
            }
            return new PthFile(file, "zip", root, new ZipSource(zip, dir));
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    private static PthFile readLegacy(Path file) throws IOException {
        Hooks hooks = new Hooks(file);
        Map<String, LegacySource.Span> spans = new HashMap<>();
        Object root;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            Pickle.CountingInput in = new Pickle.CountingInput(raw, 0);
            Pickle.Hooks none = new Hooks(file);
            Object magic = Pickle.load(in, none);
            if (!(magic instanceof BigInteger m && m.equals(LEGACY_MAGIC)))
                throw new FileFormatException(file, "a pickle, but not a torch.save file (no torch magic number)");
            Object protocol = Pickle.load(in, none);
            if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol))
                throw new FileFormatException(file, "legacy torch.save protocol " + protocol + " (only " + LEGACY_PROTOCOL + " is read)");
            if (Pickle.load(in, none) instanceof Map<?, ?> sys && Boolean.FALSE.equals(sys.get("little_endian")))
                throw new FileFormatException(file, "written on a big-endian machine; only little-endian files are read");
            root = Pickle.load(in, hooks);
            if (!(Pickle.load(in, none) instanceof List<?> keys)) throw new FileFormatException(file, "legacy file without its storage key list");
            for (Object k : keys) {
                Storage s = hooks.storages.get(String.valueOf(k));
                if (s == null) throw new FileFormatException(file, "storage " + k + " is listed but no tensor uses it");
                long count = in.le(8);
                long bytes = count * (s.dtype() != null ? s.dtype().bytes : elementBytes(s.typeName()));
                spans.put(s.key(), new LegacySource.Span(in.position(), bytes));
                in.skip(bytes);
            }
        }
        return new PthFile(file, "legacy", root, new LegacySource(FileChannel.open(file, StandardOpenOption.READ), spans));
    }

    /** Bytes per element of storage types this reader does not convert (so a legacy file can still be walked). */
    private static int elementBytes(String typeName) {
        return switch (typeName) {
            case "ComplexFloatStorage" -> 8;
            case "ComplexDoubleStorage" -> 16;
            default -> 1; // quantised and float8 storages: one byte per element
        };
    }

    private interface StorageSource extends AutoCloseable {
        /** All bytes of the root storage {@code s.key()}. */
        ByteBuffer read(Storage s) throws IOException;

        /** How many bytes the file holds for the root storage {@code s.key()} (−1: unknown until read), without reading them. */
        long bytes(Storage s) throws IOException;

        @Override void close() throws IOException;
    }

    private record ZipSource(ZipFile zip, String dir) implements StorageSource {
        public ByteBuffer read(Storage s) throws IOException {
            try (InputStream in = zip.getInputStream(entry(s))) {
                return ByteBuffer.wrap(in.readAllBytes());
            }
        }

        public long bytes(Storage s) throws IOException { return entry(s).getSize(); }

        private ZipEntry entry(Storage s) throws IOException {
            ZipEntry e = zip.getEntry(dir + "data/" + s.key());
            if (e == null) throw new IOException("missing from the archive (" + dir + "data/" + s.key() + ")");
            return e;
        }

        public void close() throws IOException { zip.close(); }
    }

    /** {@code spans}: where each storage's bytes start, and how many its element count in the file makes. */
    private record LegacySource(FileChannel ch, Map<String, Span> spans) implements StorageSource {
        record Span(long at, long bytes) {}

        public ByteBuffer read(Storage s) throws IOException {
            long at = span(s).at(), bytes = (s.base() + s.numel()) * s.dtype().bytes;
            if (at + bytes > ch.size()) throw new IOException("the file ends inside it");
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(bytes));
            while (b.hasRemaining()) if (ch.read(b, at + b.position()) < 0) throw new IOException("file ends inside the storage");
            return b.flip();
        }

        public long bytes(Storage s) throws IOException {
            Span sp = span(s);
            return Math.min(sp.bytes(), ch.size() - sp.at());
        }

        private Span span(Storage s) throws IOException {
            Span sp = spans.get(s.key());
            if (sp == null) throw new IOException("not among the file's storages");
            return sp;
        }

        public void close() throws IOException { ch.close(); }
    }

    // ------------------------------------------------------------------------------------------
    // what the pickle's persistent ids and calls mean

    /** Turns storage ids into {@link Storage}s and the tensor-rebuilding calls into {@link TensorRef}s. */
    private static final class Hooks implements Pickle.Hooks {
        private final Path file;
        final Map<String, Storage> storages = new LinkedHashMap<>();

        Hooks(Path file) { this.file = file; }

        @Override public Object persistentLoad(Object pid) {
            // ('storage', <torch XStorage>, key, location, numel[, view_metadata])
            if (!(pid instanceof List<?> t) || t.size() < 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Pickle.Global type))
                throw new FileFormatException(file, "unknown persistent id " + pid);
            String key = String.valueOf(t.get(2));
            long numel = number(t.get(4));
            Storage root = storages.computeIfAbsent(key, k -> new Storage(k, Dtype.of(type.name()), type.name(), numel, 0));
            if (t.size() > 5 && t.get(5) instanceof List<?> view) {
                // old legacy files: (view_key, element offset, view size) into the root storage just named
                return new Storage(root.key(), root.dtype(), root.typeName(), number(view.get(2)), number(view.get(1)));
            }
            return root;
        }

        @Override public Object reduce(Pickle.Global g, List<Object> args) {
            switch (g.toString()) {
                case "collections.OrderedDict" -> {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    if (!args.isEmpty() && args.getFirst() instanceof List<?> pairs)
                        for (Object p : pairs) if (p instanceof List<?> kv && kv.size() == 2) m.put(kv.get(0), kv.get(1));
                    return m;
                }
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                    if (args.size() < 4 || !(args.get(0) instanceof Storage s))
                        throw new FileFormatException(file, g + " with unexpected arguments " + args);
                    return new TensorRef(s, number(args.get(1)), ints(args.get(2)), longs(args.get(3)));
                }
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                    return args.getFirst(); // an nn.Parameter: its data tensor
                }
                case "torch._tensor._rebuild_from_type_v2" -> {
                    // (func, new_type, func_args, state): a tensor subclass; the data is func(*func_args)
                    if (args.size() >= 3 && args.get(0) instanceof Pickle.Global f && args.get(2) instanceof List<?> a)
                        return reduce(f, cast(a));
                    return new Pickle.PyObject(g, args);
                }
                default -> {
                    return new Pickle.PyObject(g, args);
                }
            }
        }

        @SuppressWarnings("unchecked")
        private static List<Object> cast(List<?> l) { return (List<Object>) l; }

        private long number(Object o) {
            if (o instanceof Long l) return l;
            throw new FileFormatException(file, "expected an integer in a tensor description, found " + Pickle.typeName(o));
        }

        private int[] ints(Object o) {
            long[] l = longs(o);
            int[] r = new int[l.length];
            for (int i = 0; i < l.length; i++) r[i] = Math.toIntExact(l[i]);
            return r;
        }

        private long[] longs(Object o) {
            if (!(o instanceof List<?> l)) throw new FileFormatException(file, "expected a tuple of sizes, found " + Pickle.typeName(o));
            long[] r = new long[l.size()];
            for (int i = 0; i < r.length; i++) r[i] = number(l.get(i));
            return r;
        }
    }
}
