package imfengine.imf;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The training progress: one live line redrawn in place ({@code \r}) for a terminal, or plain lines every N
 * steps or every T seconds for a file, a pipe or a batch system's log, where a redrawn line would pile up
 * into one line tens of kB long. Each line reads
 * {@code step 120/1000  mse_u 0.4512  mse_v 0.2345  1.25 it/s  elapsed 1m36s  ETA 11m44s}.
 * The trainer calls {@link #begin}, then {@link #step} with each step's metrics and end time (every step as it
 * ends, or a batch of steps at a time), then {@link #end}; a plain log then also has the last step's line.
 */
public final class ProgressLog {
    private enum Mode { LIVE, STEPS, SECONDS }

    private final PrintStream out;
    private final Mode mode;
    private final long everySteps, everyNanos;
    private final LongSupplier clock;
    private long startStep, target, t0, lastLineNanos, lastLineStep, unprintedEnd;
    private double budgetSeconds;
    private Trainer.StepMetrics unprinted;
    private boolean liveDrawn;

    private ProgressLog(PrintStream out, Mode mode, long everySteps, long everyNanos, LongSupplier clock) {
        this.out = out;
        this.mode = mode;
        this.everySteps = everySteps;
        this.everyNanos = everyNanos;
        this.clock = clock;
    }

    /** One line redrawn after every step (for a terminal). */
    public static ProgressLog live(PrintStream out) { return new ProgressLog(out, Mode.LIVE, 0, 0, System::nanoTime); }

    /** A plain line each time the step count passes a multiple of {@code n}. */
    public static ProgressLog everySteps(PrintStream out, long n) { return everySteps(out, n, System::nanoTime); }

    /** A plain line for the first step that ends {@code seconds} or more after the previous line (or the start). */
    public static ProgressLog everySeconds(PrintStream out, double seconds) { return everySeconds(out, seconds, System::nanoTime); }

    /** Nothing at all. */
    public static ProgressLog quiet() { return live(new PrintStream(OutputStream.nullOutputStream())); }

    static ProgressLog everySteps(PrintStream out, long n, LongSupplier clock) {
        if (n < 1) throw new IllegalArgumentException("steps between progress lines must be >= 1, got " + n);
        return new ProgressLog(out, Mode.STEPS, n, 0, clock);
    }

    static ProgressLog everySeconds(PrintStream out, double seconds, LongSupplier clock) {
        if (!(seconds > 0)) throw new IllegalArgumentException("seconds between progress lines must be > 0, got " + seconds);
        return new ProgressLog(out, Mode.SECONDS, 0, Math.round(seconds * 1e9), clock);
    }

    /** A run from {@code startStep} to {@code target} (0: none) within {@code budgetSeconds} (0: none) starts now. */
    public void begin(long startStep, long target, double budgetSeconds) {
        this.startStep = startStep;
        this.target = target;
        this.budgetSeconds = budgetSeconds;
        this.t0 = clock.getAsLong();
        this.lastLineNanos = t0;
        this.lastLineStep = startStep;
        this.unprinted = null;
        this.liveDrawn = false;
    }

    /** The metrics of a step that has just finished. */
    public void step(Trainer.StepMetrics m) { step(m, clock.getAsLong()); }

    /**
     * The metrics of a step that finished at {@code endNanos} on this log's clock ({@link System#nanoTime} for the
     * public factories). A trainer that reads its metrics back every few steps reports them late, all at once;
     * with their own end times the lines still go to the right steps and each gives its step's elapsed time and
     * rate (with the time of the report, the first step of a read-back got the line, credited with the time of
     * the last: "step 1 … 0.03 it/s elapsed 0m30s" when ten steps had run).
     */
    public void step(Trainer.StepMetrics m, long endNanos) {
        switch (mode) {
            case LIVE -> {
                out.print("\r" + line(m, endNanos) + "   ");
                out.flush();
                liveDrawn = true;
            }
            case STEPS -> {
                // passed a multiple of n since the last line (steps may come in batches, so not step % n == 0)
                if (m.step() / everySteps > lastLineStep / everySteps) print(m, endNanos);
                else owe(m, endNanos);
            }
            case SECONDS -> {
                if (endNanos - lastLineNanos >= everyNanos) print(m, endNanos);
                else owe(m, endNanos);
            }
        }
    }

    private void owe(Trainer.StepMetrics m, long endNanos) {
        unprinted = m;
        unprintedEnd = endNanos;
    }

    /** A line of its own between the progress lines (the live line is ended first and redrawn by the next step). */
    public void warn(String message) {
        if (mode == Mode.LIVE && liveDrawn) out.println();
        liveDrawn = false;
        out.println(message);
        out.flush();
    }

    /** The run has stopped: ends the live line, or prints the last step if its line is still owed. */
    public void end() {
        if (mode == Mode.LIVE) {
            if (liveDrawn) out.println();
        } else if (unprinted != null) {
            print(unprinted, unprintedEnd);
        }
        out.flush();
    }

    private void print(Trainer.StepMetrics m, long endNanos) {
        out.println(line(m, endNanos));
        out.flush();
        lastLineNanos = endNanos;
        lastLineStep = m.step();
        unprinted = null;
    }

    private String line(Trainer.StepMetrics m, long endNanos) {
        double elapsed = (endNanos - t0) / 1e9;
        double rate = (m.step() - startStep) / Math.max(elapsed, 1e-9);
        double remaining = target > 0 ? (target - m.step()) / Math.max(rate, 1e-9) : Double.NaN;
        if (budgetSeconds > 0) {
            double left = budgetSeconds - elapsed;
            remaining = Double.isNaN(remaining) ? left : Math.min(remaining, left);
        }
        String of = target > 0 ? "/" + target : "";
        return String.format(Locale.ROOT, "step %d%s  %s  %.2f it/s  elapsed %s  ETA %s", m.step(), of, m.losses(), rate,
                duration(elapsed), duration(remaining));
    }

    /** {@code 1m36s} or {@code 2h05m}; {@code --} for an unknown (NaN) or negative time. */
    public static String duration(double seconds) {
        if (Double.isNaN(seconds) || seconds < 0) return "--";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
