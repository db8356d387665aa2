package imfengine.cli;

import imfengine.imf.ProgressLog;

import java.io.PrintStream;

/**
 * {@code --log-every}: how {@code train} shows progress. {@code auto} (the default) redraws one line in place
 * when stderr is a terminal, and otherwise (a file, a pipe, CI, nohup, a batch job) writes a plain line
 * every {@value #AUTO_SECONDS} s; {@code live} forces the redrawn line, {@code N} a line every N steps, and a
 * duration ({@code 30s}, {@code 5m}) a line that often.
 */
final class ProgressOption {
    static final int AUTO_SECONDS = 10;

    private ProgressOption() {}

    /** The help line of {@code --log-every}, its description starting at column {@code 2 + width}. */
    static String help(int width) {
        return HelpText.option(width, "--log-every E", "progress: auto (default: one line redrawn in place on a terminal,",
                "else a plain line every " + AUTO_SECONDS + "s, for files, CI, nohup and batch jobs),",
                "live (always redrawn), N (a line every N steps) or a duration (30s)");
    }

    static ProgressLog open(String value, PrintStream err) {
        return switch (value) {
            case "auto" -> Terminal.stderrIsTerminal() ? ProgressLog.live(err) : ProgressLog.everySeconds(err, AUTO_SECONDS);
            case "live" -> ProgressLog.live(err);
            default -> {
                if (value.matches("[0-9]{1,18}")) {
                    long n = Long.parseLong(value);
                    if (n < 1) throw new UsageException("train: --log-every N needs N >= 1, got '" + value + "'");
                    yield ProgressLog.everySteps(err, n);
                }
                if (!value.matches("[0-9.]+(ms|s|m|h)"))
                    throw new UsageException("train: --log-every must be auto, live, a number of steps or a duration like 30s, got '" + value + "'");
                yield ProgressLog.everySeconds(err, TrainCommand.parseDuration("log-every", value));
            }
        };
    }
}
