package imfengine.cli;

/**
 * A run's share of the machine's peak when the peak is measured around every run, not once before all of
 * them: on a shared host what the cores deliver drifts, so one reading taken before the warm-up can be far
 * from what the runs had (first readings of 94–185 GFLOP/s on the same 2-vCPU guest within a day, one s step
 * printing 63 % against 114). Pairing each run with the peak measured just before and just after it divides
 * out that drift. A run is divided by the higher of its two readings, so that one reading taken in a moment's
 * hiccup (a 94 among 169–177 in one xs run) cannot raise the shares of the runs next to it.
 */
final class PeakShare {
    private PeakShare() {}

    /**
     * The median over runs of {@code flopsPerRun / ms[i]} divided by the higher of {@code peaks[i]} and
     * {@code peaks[i + 1]} (GFLOP/s measured before and after run {@code i}); {@code peaks} has one reading
     * more than {@code ms}.
     */
    static double median(double flopsPerRun, double[] ms, double[] peaks) {
        if (ms.length == 0 || peaks.length != ms.length + 1)
            throw new IllegalArgumentException("need one peak reading more than runs: " + ms.length + " runs, " + peaks.length + " readings");
        double[] share = new double[ms.length];
        for (int i = 0; i < ms.length; i++) share[i] = flopsPerRun / (ms[i] * 1e6) / Math.max(peaks[i], peaks[i + 1]);
        return Median.of(share);
    }
}
