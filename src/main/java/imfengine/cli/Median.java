package imfengine.cli;

import java.util.Arrays;

/** The median of a set of measurements (bench's run times, peak readings and shares). */
final class Median {
    private Median() {}

    /** The median of {@code x} (the mean of the middle two for an even count); {@code x} is not reordered. */
    static double of(double[] x) {
        if (x.length == 0) throw new IllegalArgumentException("median of no values");
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
