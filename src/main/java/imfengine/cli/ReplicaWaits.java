package imfengine.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How long a replicated step's replicas waited for each other, step by step, for {@code bench --profile}: the
 * replicas do the same work, so the rank first at the gradient sum waits for the last, and that wait is time the
 * profile's "wall" holds and its backend calls do not (on the 2-vCPU guests, the host running the vCPUs unevenly).
 */
final class ReplicaWaits {
    private final ReplicatedBenchStep step;
    /** Per step, the longest wait of a rank (the one that arrived first), in ms. */
    private final List<Double> firstMs = new ArrayList<>();

    ReplicaWaits(ReplicatedBenchStep step) { this.step = step; }

    /** One step of every replica, its waits recorded. */
    void run() {
        long[] before = step.waitedNanos();
        step.run();
        long[] after = step.waitedNanos();
        double longest = 0;
        for (int r = 0; r < after.length; r++) longest = Math.max(longest, (after[r] - before[r]) / 1e6);
        firstMs.add(longest);
    }

    /** One line: the median wait of the rank first at the gradient sum, and the range, over the recorded steps. */
    String summary() {
        if (firstMs.isEmpty()) return "replicas: no step recorded";
        double[] w = firstMs.stream().mapToDouble(Double::doubleValue).toArray();
        double min = Double.MAX_VALUE, max = 0;
        for (double v : w) { min = Math.min(min, v); max = Math.max(max, v); }
        return String.format(Locale.ROOT, "replicas: the one first at the gradient sum waited %.1f ms a step for the others (median of %d; %.1f-%.1f)",
                Median.of(w), w.length, min, max);
    }
}
