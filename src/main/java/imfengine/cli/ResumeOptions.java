package imfengine.cli;

import imfengine.backend.Precision;
import imfengine.imf.MemoryPlan;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@code train --resume}: a resumed run continues the run it resumes. Every setting the
 * checkpoint recorded stands in for the option's built-in default; a flag that changes one wins and
 * says so in one line; a flag that would change what cannot change mid-run is a usage error.
 */
final class ResumeOptions {
    /** Option → metadata key, for settings a flag may change on resume. */
    private static final Map<String, String> CHANGEABLE = pairs(
            "batch", "batch", "lr", "lr", "warmup", "warmup", "ema", "ema_decay", "checkpoint-every", "checkpoint_every",
            "data", "data", "labels", "labels", "device", "device", "precision", "precision", "threads", "threads",
            ReplicaOptions.REPLICAS, ReplicaOptions.REPLICAS,
            "omega", "sample_omega", "interval", "sample_interval",
            MemoryOptions.RECOMPUTE, MemoryPlan.RECOMPUTE_KEY, MemoryOptions.MICRO_BATCH, MemoryPlan.MICRO_BATCH_KEY);
    /**
     * Option → metadata key, for settings fixed for the whole run: the model's shape, what it is trained to
     * predict, and the seed (it keys the saved data order as well as every step's noise and times).
     */
    private static final Map<String, String> FIXED = pairs(
            "preset", "preset", "objective", "objective", "v-source", "v_source", "seed", "seed");
    /** Options holding a file path: compared as absolute paths. */
    private static final Set<String> PATHS = Set.of("data", "labels");

    private ResumeOptions() {}

    /**
     * {@code a} with the checkpoint's settings ({@code metadata}) for the options not given. Prints one
     * notice line per option that changes a recorded setting; throws {@link UsageException} for one that
     * would change a fixed setting.
     */
    static Args apply(String command, Args a, Map<String, String> metadata, PrintStream notices) {
        Map<String, String> recorded = new LinkedHashMap<>();
        for (var e : FIXED.entrySet()) {
            String option = e.getKey(), value = metadata.get(e.getValue());
            if (value == null) continue; // a checkpoint written before this setting was recorded
            if (a.has(option) && !same(option, a.string(option, ""), value))
                throw new UsageException(command + ": --" + option + " " + a.string(option, "") + " cannot change on --resume: the run's "
                        + option + " is " + value + " (start a new run without --resume to change it)");
            recorded.put(option, value);
        }
        // the precision was chosen for the run's device: a new --device takes its own default unless --precision says
        boolean newDevice = a.has("device") && metadata.containsKey("device") && !same("device", a.string("device", ""), metadata.get("device"));
        for (var e : CHANGEABLE.entrySet()) {
            String option = e.getKey(), value = metadata.get(e.getValue());
            if (value == null || option.equals("precision") && newDevice && !a.has(option)) continue;
            if (a.has(option) && !same(option, a.string(option, ""), value))
                notices.println(command + ": --" + option + " " + a.string(option, "") + " overrides the resumed run's --" + option + " " + value);
            recorded.put(option, value);
        }
        return a.withDefaults(recorded);
    }

    /**
     * Whether a flag's value says the same as the recorded one: paths compared absolute, numbers (and
     * comma-separated lists of numbers) by value, names ignoring case.
     */
    static boolean same(String option, String given, String recorded) {
        if (PATHS.contains(option)) return absolute(given).equals(absolute(recorded));
        String[] g = given.split(",", -1), r = recorded.split(",", -1);
        if (g.length != r.length) return false;
        for (int i = 0; i < g.length; i++) {
            String x = g[i].strip().replace("_", ""), y = r[i].strip().replace("_", "");
            try {
                if (Double.parseDouble(x) != Double.parseDouble(y)) return false;
            } catch (NumberFormatException notNumbers) {
                if (!x.toLowerCase(Locale.ROOT).equals(y.toLowerCase(Locale.ROOT))) return false;
            }
        }
        return true;
    }

    /** The launch settings a resumed run takes from a checkpoint that {@link #apply} reads back. */
    static Map<String, String> launchSettings(Path data, Path labels, String device, int threads, int replicas, Precision precision) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("data", absolute(data.toString()));
        if (labels != null) m.put("labels", absolute(labels.toString()));
        m.put("device", device);
        m.put("threads", "" + threads);
        m.put(ReplicaOptions.REPLICAS, "" + replicas);
        m.put("precision", precision.label());
        return m;
    }

    private static String absolute(String path) { return Path.of(path).toAbsolutePath().normalize().toString(); }

    private static Map<String, String> pairs(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
}
