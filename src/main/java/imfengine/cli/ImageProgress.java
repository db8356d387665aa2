package imfengine.cli;

import imfengine.imf.ProgressLog;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * {@code sample}'s progress on stderr, one plain line after the first batch, then after the first batch that ends
 * {@code everySeconds} or more after the previous line, and after the last:
 * {@code sample: 640/50000 images  12.34 images/s  elapsed 0m52s  ETA 1h07m}. Plain lines, not a redrawn one:
 * a 50K run is usually a batch job whose stderr is a file.
 */
final class ImageProgress {
    private final PrintStream out;
    private final int total;
    private final long everyNanos, t0;
    private final LongSupplier clock;
    private long lastLine = Long.MIN_VALUE;

    ImageProgress(PrintStream out, int total, double everySeconds, LongSupplier clock) {
        this.out = out;
        this.total = total;
        this.everyNanos = Math.round(everySeconds * 1e9);
        this.clock = clock;
        this.t0 = clock.getAsLong();
    }

    static ImageProgress toStderr(int total) { return new ImageProgress(System.err, total, 10, System::nanoTime); }

    /** {@code done} images of the run are written; {@code detail} (may be empty) ends the line. */
    void done(int done, String detail) {
        long now = clock.getAsLong();
        if (lastLine != Long.MIN_VALUE && done < total && now - lastLine < everyNanos) return;
        lastLine = now;
        double elapsed = (now - t0) / 1e9, rate = done / Math.max(elapsed, 1e-9);
        out.println(String.format(Locale.ROOT, "sample: %d/%d images  %.2f images/s  elapsed %s  ETA %s", done, total, rate,
                ProgressLog.duration(elapsed), ProgressLog.duration((total - done) / Math.max(rate, 1e-9))) + detail);
        out.flush();
    }
}
