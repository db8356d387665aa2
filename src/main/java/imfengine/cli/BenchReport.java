package imfengine.cli;

import imfengine.backend.DeviceProfile;
import imfengine.io.AtomicWrite;
import imfengine.io.Json;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code bench --json FILE} writes: the run's settings, one object per measurement (a row: its
 * timings, or its error) and the profile of one step when asked. The file is rewritten (atomically) after
 * every row, so a run that is killed part-way leaves the rows it finished. Non-finite numbers are written
 * as {@code null}. The device check ({@code tools/gpu_check.py}) reads it; docs/GPU_CHECK.md lists the fields.
 */
final class BenchReport {
    static final int FORMAT = 1;

    private final Path file;
    private final Map<String, Object> doc = new LinkedHashMap<>();
    private final List<Object> rows = new ArrayList<>();

    /** {@code file} null: nothing is written. */
    BenchReport(Path file, Map<String, Object> settings) {
        this.file = file;
        doc.put("format", (long) FORMAT);
        doc.put("command", "bench");
        doc.putAll(settings);
        doc.put("rows", rows);
        save();
    }

    void row(Map<String, Object> row) {
        rows.add(row);
        save();
    }

    void profile(DeviceProfile p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clock", p.clock());
        m.put("wall_ms", number(p.wallMs()));
        m.put("busy_ms", number(p.busyMs()));
        m.put("calls", p.calls());
        m.put("device_allocations", p.allocations());
        m.put("device_frees", p.frees());
        m.put("families", entries(p.families(), p.busyMs()));
        m.put("kernels", entries(p.kernels(), p.busyMs()));
        doc.put("profile", m);
        save();
    }

    void error(String what, String message) {
        doc.put("profile_error", what + ": " + message);
        save();
    }

    private static List<Object> entries(List<DeviceProfile.Entry> list, double busy) {
        List<Object> out = new ArrayList<>();
        for (DeviceProfile.Entry e : list) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("family", e.family());
            m.put("calls", e.calls());
            m.put("ms", number(e.ms()));
            m.put("share", number(busy > 0 ? e.ms() / busy : Double.NaN));
            m.put("tflops", number(e.tflops()));
            out.add(m);
        }
        return out;
    }

    /** A JSON number, or null for NaN and infinities (JSON has neither). */
    static Object number(double v) {
        if (!Double.isFinite(v)) return null;
        return Double.parseDouble(String.format(Locale.ROOT, "%.6g", v));
    }

    private void save() {
        if (file == null) return;
        byte[] bytes = (Json.write(doc) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicWrite.write(file, out -> out.write(bytes));
    }
}
