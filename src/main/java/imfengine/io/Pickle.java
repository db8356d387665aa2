package imfengine.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A reader of Python pickles (protocols 0–5), as far as {@code torch.save} and the dicts around it
 * use them. It never runs anything: a global ({@code c torch._utils _rebuild_tensor_v2}) becomes a
 * {@link Global}, and calling one ({@code REDUCE}, {@code NEWOBJ}) is handed to {@link Hooks#reduce},
 * which builds the few objects the caller knows and leaves everything else an inert {@link PyObject}.
 * So a pickle that would run code in Python is only data here.
 *
 * <p>Python values become: str → String, int → Long (BigInteger beyond 64 bits), float → Double,
 * bool → Boolean, None → null, bytes → byte[], list → ArrayList, tuple → unmodifiable List,
 * dict → LinkedHashMap (insertion order kept), set → LinkedHashSet.
 */
public final class Pickle {
    /** A module-level name, e.g. {@code collections.OrderedDict}. */
    public record Global(String module, String name) {
        @Override public String toString() { return module + "." + name; }
    }

    /** A call the hooks did not turn into a value: the callable, its arguments and any BUILD state. */
    public static final class PyObject {
        public final Global callable;
        public final List<Object> args;
        public Object state;

        PyObject(Global callable, List<Object> args) {
            this.callable = callable;
            this.args = args;
        }

        @Override public String toString() { return callable + "(...)"; }
    }

    /** What the caller gives meaning to: persistent ids (torch's storages) and calls of globals. */
    public interface Hooks {
        Object persistentLoad(Object pid);

        /** The value of {@code callable(*args)}; return a {@link PyObject} for calls you do not know. */
        Object reduce(Global callable, List<Object> args);
    }

    private static final Object MARK = new Object();

    private final CountingInput in;
    private final Hooks hooks;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Pickle(CountingInput in, Hooks hooks) {
        this.in = in;
        this.hooks = hooks;
    }

    /** Reads one pickle (up to and including its STOP) from {@code in}; the stream is left just after it. */
    public static Object load(CountingInput in, Hooks hooks) throws IOException {
        return new Pickle(in, hooks).run();
    }

    /** An input that counts the bytes read, so errors can say where and callers know where a pickle ended. */
    public static final class CountingInput {
        private final InputStream in;
        private long position;

        public CountingInput(InputStream in, long start) {
            this.in = in;
            this.position = start;
        }

        public long position() { return position; }

        public int u8() throws IOException {
            int b = in.read();
            if (b < 0) throw new EOFException("pickle truncated at byte " + position);
            position++;
            return b;
        }

        public byte[] bytes(long n) throws IOException {
            if (n < 0 || n > Integer.MAX_VALUE - 8) throw new IOException("pickle: length " + n + " at byte " + position + " is not readable");
            byte[] b = in.readNBytes((int) n);
            if (b.length != n) throw new EOFException("pickle truncated at byte " + (position + b.length));
            position += n;
            return b;
        }

        public long le(int n) throws IOException {
            long v = 0;
            for (int i = 0; i < n; i++) v |= (long) u8() << (8 * i);
            return v;
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c = u8(); c != '\n'; c = u8()) sb.append((char) c);
            return sb.toString();
        }

        public void skip(long n) throws IOException {
            in.skipNBytes(n); // throws EOFException when the stream ends first
            position += n;
        }
    }

    private Object run() throws IOException {
        while (true) {
            long at = in.position();
            int op = in.u8();
            switch (op) {
                case 0x80 -> in.u8();                                    // PROTO n
                case 0x95 -> in.le(8);                                   // FRAME (length only)
                case '.' -> { return pop(); }                            // STOP
                case '(' -> { marks.add(stack.size()); stack.add(MARK); } // MARK
                case '0' -> pop();                                       // POP
                case '1' -> popMark();                                   // POP_MARK
                case '2' -> push(stack.getLast());                       // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) (int) in.le(4));                 // BININT (signed)
                case 'K' -> push((long) in.u8());                        // BININT1
                case 'M' -> push(in.le(2));                              // BININT2
                case 0x8a -> push(longFrom(in.bytes(in.u8())));          // LONG1
                case 0x8b -> push(longFrom(in.bytes((int) in.le(4))));   // LONG4
                case 'I' -> push(textInt(in.line()));                    // INT (protocol 0; 01/00 = bool)
                case 'L' -> push(textLong(in.line()));                   // LONG (protocol 0)
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.le(8))));  // BINFLOAT is big-endian
                case 'F' -> push(Double.parseDouble(in.line()));
                case 'X' -> push(utf8(in.bytes(in.le(4))));              // BINUNICODE
                case 0x8c -> push(utf8(in.bytes(in.u8())));              // SHORT_BINUNICODE
                case 0x8d -> push(utf8(in.bytes(in.le(8))));             // BINUNICODE8
                case 'T' -> push(latin1(in.bytes(in.le(4))));            // BINSTRING (py2 str)
                case 'U' -> push(latin1(in.bytes(in.u8())));             // SHORT_BINSTRING
                case 'B' -> push(in.bytes(in.le(4)));                    // BINBYTES
                case 'C' -> push(in.bytes(in.u8()));                     // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(in.bytes(in.le(8)));             // BINBYTES8, BYTEARRAY8
                case '}' -> push(new LinkedHashMap<>());
                case ']' -> push(new ArrayList<>());
                case ')' -> push(List.of());
                case 0x8f -> push(new LinkedHashSet<>());                // EMPTY_SET
                case 'd' -> push(dictOf(popMark()));                     // DICT
                case 'l' -> push(new ArrayList<>(popMark()));            // LIST
                case 't' -> push(tuple(popMark()));                      // TUPLE
                case 0x85 -> push(tuple(List.of(pop())));
                case 0x86 -> { Object b = pop(), a = pop(); push(tuple(Arrays.asList(a, b))); }
                case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(tuple(Arrays.asList(a, b, c))); }
                case 0x91 -> push(Collections.unmodifiableSet(new LinkedHashSet<>(popMark()))); // FROZENSET
                case 0x90 -> { List<Object> items = popMark(); set(stack.getLast(), at).addAll(items); } // ADDITEMS
                case 'a' -> { Object v = pop(); list(stack.getLast(), at).add(v); }                      // APPEND
                case 'e' -> { List<Object> items = popMark(); list(stack.getLast(), at).addAll(items); } // APPENDS
                case 's' -> { Object v = pop(), k = pop(); dict(stack.getLast(), at).put(k, v); }        // SETITEM
                case 'u' -> {                                                                            // SETITEMS
                    List<Object> kv = popMark();
                    Map<Object, Object> d = dict(stack.getLast(), at);
                    for (int i = 0; i + 1 < kv.size(); i += 2) d.put(kv.get(i), kv.get(i + 1));
                }
                case 'c' -> push(new Global(in.line(), in.line()));      // GLOBAL module\n name\n
                case 0x93 -> { Object name = pop(), module = pop(); push(new Global(str(module, at), str(name, at))); } // STACK_GLOBAL
                case 'R' -> { List<Object> args = args(pop(), at); push(call(pop(), args, at)); }      // REDUCE
                case 0x81 -> { List<Object> args = args(pop(), at); push(call(pop(), args, at)); }     // NEWOBJ
                case 0x92 -> { pop(); List<Object> args = args(pop(), at); push(call(pop(), args, at)); } // NEWOBJ_EX (kwargs dropped)
                case 'o' -> { List<Object> items = popMark(); push(call(items.getFirst(), items.subList(1, items.size()), at)); } // OBJ
                case 'i' -> { Global g = new Global(in.line(), in.line()); push(call(g, popMark(), at)); }                      // INST
                case 'b' -> { Object state = pop(); if (stack.getLast() instanceof PyObject o) o.state = state; } // BUILD: torch's
                // OrderedDict carries its _metadata (module versions) as BUILD state, which a state dict does not need
                case 'Q' -> push(hooks.persistentLoad(pop()));           // BINPERSID
                case 'P' -> push(hooks.persistentLoad(in.line()));       // PERSID
                case 'q' -> memo.put((long) in.u8(), stack.getLast());   // BINPUT
                case 'r' -> memo.put(in.le(4), stack.getLast());         // LONG_BINPUT
                case 'p' -> memo.put(Long.parseLong(in.line()), stack.getLast()); // PUT
                case 0x94 -> memo.put((long) memo.size(), stack.getLast());       // MEMOIZE
                case 'h' -> push(memoGet(in.u8(), at));                  // BINGET
                case 'j' -> push(memoGet(in.le(4), at));                 // LONG_BINGET
                case 'g' -> push(memoGet(Long.parseLong(in.line()), at)); // GET
                default -> throw new IOException(String.format("pickle opcode 0x%02x at byte %d is not supported", op, at));
            }
        }
    }

    private void push(Object o) { stack.add(o); }

    private Object pop() throws IOException {
        if (stack.isEmpty()) throw new IOException("pickle stack underflow at byte " + in.position());
        Object o = stack.removeLast();
        if (o == MARK) throw new IOException("pickle: unexpected MARK at byte " + in.position());
        return o;
    }

    private List<Object> popMark() throws IOException {
        if (marks.isEmpty()) throw new IOException("pickle: no MARK at byte " + in.position());
        int m = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private Object memoGet(long key, long at) throws IOException {
        if (!memo.containsKey(key)) throw new IOException("pickle: memo " + key + " read before it was written (byte " + at + ")");
        return memo.get(key);
    }

    private Object call(Object callable, List<Object> args, long at) throws IOException {
        if (!(callable instanceof Global g)) throw new IOException("pickle: call of a " + typeName(callable) + " at byte " + at);
        return hooks.reduce(g, args);
    }

    private static List<Object> tuple(List<Object> items) { return Collections.unmodifiableList(new ArrayList<>(items)); }

    private static Map<Object, Object> dictOf(List<Object> kv) {
        Map<Object, Object> d = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.size(); i += 2) d.put(kv.get(i), kv.get(i + 1));
        return d;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> args(Object o, long at) throws IOException {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw new IOException("pickle: call arguments are a " + typeName(o) + ", not a tuple (byte " + at + ")");
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o, long at) throws IOException {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        // SETITEM(S) on an object the hooks left opaque (a dict subclass we do not know): keep its items as state
        if (o instanceof PyObject p) {
            if (!(p.state instanceof Map)) p.state = new LinkedHashMap<>();
            return (Map<Object, Object>) p.state;
        }
        throw new IOException("pickle: SETITEM on a " + typeName(o) + " at byte " + at);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, long at) throws IOException {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw new IOException("pickle: APPEND on a " + typeName(o) + " at byte " + at);
    }

    @SuppressWarnings("unchecked")
    private static Set<Object> set(Object o, long at) throws IOException {
        if (o instanceof Set<?> s) return (Set<Object>) s;
        throw new IOException("pickle: ADDITEMS on a " + typeName(o) + " at byte " + at);
    }

    private static String str(Object o, long at) throws IOException {
        if (o instanceof String s) return s;
        throw new IOException("pickle: STACK_GLOBAL name is a " + typeName(o) + " (byte " + at + ")");
    }

    static String typeName(Object o) { return o == null ? "None" : o.getClass().getSimpleName(); }

    /** Little-endian two's complement, as LONG1/LONG4 store it. */
    private static Object longFrom(byte[] le) {
        if (le.length == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static Object textInt(String s) {
        if (s.equals("01")) return Boolean.TRUE;
        if (s.equals("00")) return Boolean.FALSE;
        return textLong(s);
    }

    private static Object textLong(String s) {
        String t = s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
        BigInteger v = new BigInteger(t);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static String utf8(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    private static String latin1(byte[] b) { return new String(b, StandardCharsets.ISO_8859_1); }
}
