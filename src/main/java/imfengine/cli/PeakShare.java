package imfengine.cli;

import java.util.Arrays;

/**
 * A run's share of the machine's peak when the peak is measured around every run, not once before all
 * of them: on a shared host (a vCPU whose core another guest also uses) what the cores deliver drifts by
 * tens of percent within a minute, so one reading taken before the runs can make the same step read 26 %
 * or 63 %. Pairing each run with the peak measured just before and just after it divides out that drift.
 */
final class PeakShare {
    private PeakShare() {}

    /**
     * The median over runs of {@code flopsPerRun / ms[i]} divided by the mean of {@code peaks[i]} and
     * {@code peaks[i + 1]} (GFLOP/s measured before and after run {@code i}); {@code peaks} has one reading
     * more than {@code ms}.
     */
    static double median(double flopsPerRun, double[] ms, double[] peaks) {
        if (ms.length == 0 || peaks.length != ms.length + 1)
            throw new IllegalArgumentException("need one peak reading more than runs: " + ms.length + " runs, " + peaks.length + " readings");
        double[] share = new double[ms.length];
        for (int i = 0; i < ms.length; i++) share[i] = flopsPerRun / (ms[i] * 1e6) / ((peaks[i] + peaks[i + 1]) / 2);
        return median(share);
    }

    /** The median of {@code x} (the mean of the middle two for an even count). */
    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
