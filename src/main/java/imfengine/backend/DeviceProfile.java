package imfengine.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Device time of one recording, summed per kernel and per kernel family, each list sorted by time, largest
 * first. On CUDA ({@code TimedDevice}) a family is the {@code native-kernels/<family>.cu} file ({@code gemm} for
 * cuBLAS, {@code memory} for copies and fills); on the CPU ({@link TimedBackend}) it is the backend method and a
 * kernel is that method at one shape. {@code wallMs} is the host's time from start to stop; the difference to
 * {@link #busyMs()} is where the device waited for the host (launch overhead, host work, synchronisations) or,
 * on the CPU, the time spent between backend calls (autodiff, arenas, the trainer).
 *
 * @param clock       what measured the durations ("cuda events", "host clock")
 * @param allocations device allocations made during the recording (a caching allocator's misses; on the CPU,
 *                    every tensor allocated)
 * @param frees       device frees made during the recording (the cache flushed)
 */
public record DeviceProfile(String clock, double wallMs, List<Entry> families, List<Entry> kernels, long allocations, long frees) {
    /** What one timed call was: a kernel (or "cublasSgemm", "memcpy HtoD", …), its family, the GEMM/attention flops it issued. */
    public record Call(String name, String family, double flops) {}

    /** One kernel (or family): how often it ran, its summed time, and the GEMM (or attention) work it did (0 for other kernels). */
    public record Entry(String name, String family, long calls, double ms, double flops) {
        /** Achieved TFLOP/s of that work, or NaN where no flops are counted. */
        public double tflops() { return flops > 0 && ms > 0 ? flops / (ms * 1e9) : Double.NaN; }
    }

    /** Sums {@code calls[i]}'s duration {@code ms[i]} per name and per family. */
    public static DeviceProfile of(String clock, double wallMs, List<Call> calls, double[] ms, long allocations, long frees) {
        if (calls.size() != ms.length) throw new IllegalArgumentException(ms.length + " durations for " + calls.size() + " calls");
        Map<String, Entry> byName = new LinkedHashMap<>(), byFamily = new LinkedHashMap<>();
        for (int i = 0; i < ms.length; i++) {
            Call c = calls.get(i);
            byName.merge(c.name(), new Entry(c.name(), c.family(), 1, ms[i], c.flops()), DeviceProfile::add);
            byFamily.merge(c.family(), new Entry(c.family(), c.family(), 1, ms[i], c.flops()), DeviceProfile::add);
        }
        return new DeviceProfile(clock, wallMs, sorted(byFamily), sorted(byName), allocations, frees);
    }

    /**
     * One profile from the recordings of several runs of the same work: per kernel and per family the median
     * (the lower middle one for an even count) over the runs of its time (a kernel missing from a run counts 0 ms there), calls and flops taken from the
     * run whose time is that median; the wall time and the allocations are medians too. A run that the host
     * preempted in one kernel then does not show as that kernel being slow.
     */
    public static DeviceProfile medianOf(List<DeviceProfile> runs) {
        if (runs.isEmpty()) throw new IllegalArgumentException("no runs");
        if (runs.size() == 1) return runs.getFirst();
        return new DeviceProfile(runs.getFirst().clock(), median(runs.stream().mapToDouble(DeviceProfile::wallMs).toArray()),
                medianEntries(runs.stream().map(DeviceProfile::families).toList()), medianEntries(runs.stream().map(DeviceProfile::kernels).toList()),
                Math.round(median(runs.stream().mapToDouble(DeviceProfile::allocations).toArray())),
                Math.round(median(runs.stream().mapToDouble(DeviceProfile::frees).toArray())));
    }

    private static List<Entry> medianEntries(List<List<Entry>> runs) {
        Map<String, List<Entry>> byName = new LinkedHashMap<>();
        for (List<Entry> run : runs) for (Entry e : run) byName.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e);
        Map<String, Entry> out = new LinkedHashMap<>();
        for (List<Entry> seen : byName.values()) {
            Entry any = seen.getFirst();
            List<Entry> all = new ArrayList<>(seen);
            while (all.size() < runs.size()) all.add(new Entry(any.name(), any.family(), 0, 0, 0));
            all.sort(Comparator.comparingDouble(Entry::ms));
            out.put(any.name(), all.get((all.size() - 1) / 2));
        }
        return sorted(out);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[(s.length - 1) / 2];
    }

    private static Entry add(Entry a, Entry b) { return new Entry(a.name(), a.family(), a.calls() + b.calls(), a.ms() + b.ms(), a.flops() + b.flops()); }

    private static List<Entry> sorted(Map<String, Entry> m) {
        List<Entry> out = new ArrayList<>(m.values());
        out.sort(Comparator.comparingDouble(Entry::ms).reversed().thenComparing(Entry::name));
        return List.copyOf(out);
    }

    /** Summed device time of every timed call. */
    public double busyMs() { return families.stream().mapToDouble(Entry::ms).sum(); }

    /** Number of timed calls. */
    public long calls() { return families.stream().mapToLong(Entry::calls).sum(); }
}
