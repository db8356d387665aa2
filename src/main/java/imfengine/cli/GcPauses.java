package imfengine.cli;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The JVM's garbage collections so far (count and milliseconds, summed over its collectors), to say whether any fell
 * inside a measurement: a profile taken while G1 still sizes the heap (after one or two warm-up steps) has pauses of
 * 30–480 ms inside some kernel calls, which then look slow (docs/PERF.md, 2026-12-04).
 */
record GcPauses(long collections, long millis) {
    static GcPauses now() {
        long n = 0, ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
            ms += Math.max(0, gc.getCollectionTime());
        }
        return new GcPauses(n, ms);
    }

    /** What happened between {@code earlier} and this. */
    GcPauses since(GcPauses earlier) { return new GcPauses(collections - earlier.collections, millis - earlier.millis); }

    /** A line for a profile's reader, or null when nothing was collected. */
    String warning(String during) {
        if (collections <= 0) return null;
        return String.format(Locale.ROOT, "profile: %d garbage collection%s (%d ms) during %s: calls they interrupted"
                + " look slower; more --warmup lets the heap settle first", collections, collections == 1 ? "" : "s", millis, during);
    }
}
