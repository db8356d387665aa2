package imfengine.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} and {@code --flag} options of one command. Unknown options are rejected with
 * the list of known ones, so a typo never silently falls back to a default.
 */
public final class Args {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private Args(String command) { this.command = command; }

    /** Parses {@code args}; {@code options} take a value, {@code flags} do not. */
    public static Args parse(String command, List<String> args, Set<String> options, Set<String> flags) {
        Args a = new Args(command);
        for (int i = 0; i < args.size(); i++) {
            String s = args.get(i);
            if (!s.startsWith("--")) throw new UsageException(command + ": unexpected argument '" + s + "' (see " + command + " --help)");
            String name = s.substring(2), inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) { inline = name.substring(eq + 1); name = name.substring(0, eq); }
            if (flags.contains(name)) {
                a.values.put(name, "true");
            } else if (options.contains(name)) {
                String v = inline;
                if (v == null) {
                    if (i + 1 >= args.size()) throw new UsageException(command + ": option --" + name + " needs a value");
                    v = args.get(++i);
                }
                a.values.put(name, v);
            } else {
                throw new UsageException(command + ": unknown option --" + name + " (see " + command + " --help)");
            }
        }
        return a;
    }

    /** These options, with {@code defaults} standing in for the ones not given (as if they had been). */
    public Args withDefaults(Map<String, String> defaults) {
        Args b = new Args(command);
        b.values.putAll(defaults);
        b.values.putAll(values);
        return b;
    }

    public boolean has(String name) { return values.containsKey(name); }

    public boolean flag(String name) { return values.containsKey(name); }

    public String string(String name, String def) { return values.getOrDefault(name, def); }

    public int integer(String name, int def) {
        String v = values.get(name);
        if (v == null) return def;
        try {
            return Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be an integer, got '" + v + "'");
        }
    }

    public long longValue(String name, long def) {
        String v = values.get(name);
        if (v == null) return def;
        try {
            return Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be an integer, got '" + v + "'");
        }
    }

    public double number(String name, double def) {
        String v = values.get(name);
        if (v == null) return def;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be a number, got '" + v + "'");
        }
    }
}
