package imfengine.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON reader and writer for file headers (safetensors). Values map to Java as:
 * object → {@link LinkedHashMap}{@code <String,Object>} (key order kept), array → {@link List},
 * string → {@link String}, integer → {@link Long}, other number → {@link Double}, true/false →
 * {@link Boolean}, null → {@code null}. Duplicate keys and trailing garbage are errors.
 */
public final class Json {
    private static final int MAX_DEPTH = 64;

    private Json() {}

    /** Thrown on malformed JSON; the message is one line giving the offset and the problem. */
    public static final class ParseException extends RuntimeException {
        ParseException(int at, String problem) {
            super("bad JSON at offset " + at + ": " + problem);
        }
    }

    // ---------------------------------------------------------------- writing

    /** Compact JSON text of a value built from the types listed in the class comment. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb);
        return sb.toString();
    }

    private static void write(Object v, StringBuilder sb) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> writeString(s, sb);
            case Boolean b -> sb.append(b);
            case Long l -> sb.append(l);
            case Integer i -> sb.append(i);
            case Double d -> {
                if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON has no " + d);
                sb.append(d);
            }
            case Float f -> write(f.doubleValue(), sb);
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String k)) throw new IllegalArgumentException("JSON keys must be strings");
                    if (!first) sb.append(',');
                    first = false;
                    writeString(k, sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            }
            case List<?> list -> {
                sb.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) sb.append(',');
                    write(list.get(i), sb);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass().getSimpleName() + " as JSON");
        }
    }

    private static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    // ---------------------------------------------------------------- parsing

    /** Parses one JSON value that spans all of {@code text} (surrounding whitespace allowed). */
    public static Object parse(String text) {
        Parser p = new Parser(text);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.pos != text.length()) throw new ParseException(p.pos, "trailing characters");
        return v;
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) { this.s = s; }

        Object value(int depth) {
            if (depth > MAX_DEPTH) throw new ParseException(pos, "nested deeper than " + MAX_DEPTH);
            if (pos >= s.length()) throw new ParseException(pos, "unexpected end");
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) yield number();
                    throw new ParseException(pos, "unexpected character '" + c + "'");
                }
            };
        }

        Map<String, Object> object(int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            pos++;
            skipWs();
            if (peek() == '}') { pos++; return m; }
            while (true) {
                skipWs();
                if (peek() != '"') throw new ParseException(pos, "expected a string key");
                int keyAt = pos;
                String k = string();
                skipWs();
                expect(':');
                skipWs();
                Object v = value(depth + 1);
                if (m.containsKey(k)) throw new ParseException(keyAt, "duplicate key \"" + k + "\"");
                m.put(k, v);
                skipWs();
                char c = next();
                if (c == '}') return m;
                if (c != ',') throw new ParseException(pos - 1, "expected ',' or '}'");
            }
        }

        List<Object> array(int depth) {
            List<Object> list = new ArrayList<>();
            pos++;
            skipWs();
            if (peek() == ']') { pos++; return list; }
            while (true) {
                skipWs();
                list.add(value(depth + 1));
                skipWs();
                char c = next();
                if (c == ']') return list;
                if (c != ',') throw new ParseException(pos - 1, "expected ',' or ']'");
            }
        }

        String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') return sb.toString();
                if (c < 0x20) throw new ParseException(pos - 1, "control character in string");
                if (c != '\\') { sb.append(c); continue; }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) throw new ParseException(pos, "short \\u escape");
                        try {
                            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw new ParseException(pos, "bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw new ParseException(pos - 1, "bad escape '\\" + e + "'");
                }
            }
        }

        Object number() {
            int start = pos;
            if (peek() == '-') pos++;
            boolean integral = true;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c >= '0' && c <= '9') pos++;
                else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { integral = false; pos++; }
                else break;
            }
            String t = s.substring(start, pos);
            try {
                return integral ? (Object) Long.parseLong(t) : (Object) Double.parseDouble(t);
            } catch (NumberFormatException ex) {
                throw new ParseException(start, "bad number \"" + t + "\"");
            }
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, pos)) throw new ParseException(pos, "unexpected token");
            pos += word.length();
            return v;
        }

        void skipWs() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
                else break;
            }
        }

        char peek() {
            if (pos >= s.length()) throw new ParseException(pos, "unexpected end");
            return s.charAt(pos);
        }

        char next() {
            char c = peek();
            pos++;
            return c;
        }

        void expect(char c) {
            if (peek() != c) throw new ParseException(pos, "expected '" + c + "'");
            pos++;
        }
    }
}
