package imfengine.cli;

import imfengine.imf.MemoryPlan;
import imfengine.nn.ModelConfig;

/** {@code --recompute} and {@code --micro-batch}: the memory plan of {@code train} and {@code bench}. */
final class MemoryOptions {
    static final String RECOMPUTE = "recompute", MICRO_BATCH = "micro-batch";

    private MemoryOptions() {}

    /** The help lines, descriptions starting at column {@code 2 + width}. */
    static String help(int width) {
        return HelpText.option(width, "--recompute on|off", "keep only each block's input and run the block again in the",
                        "backward pass: about 1/3 more compute, far less memory (default:",
                        "on for B/2 and larger, off for xs and s)")
                + HelpText.option(width, "--micro-batch N", "run the batch N examples at a time and add up the gradients;",
                        "the same draws and result as the whole batch (default: whole batch)");
    }

    static MemoryPlan parse(String command, Args a, ModelConfig model, int batch) {
        boolean recompute = switch (a.string(RECOMPUTE, MemoryPlan.defaultFor(model).recompute() ? "on" : "off")) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new UsageException(command + ": --recompute must be on or off, got '" + a.string(RECOMPUTE, "") + "'");
        };
        int micro = a.has(MICRO_BATCH) ? a.integer(MICRO_BATCH, 0) : 0;
        if (a.has(MICRO_BATCH) && (micro < 1 || micro > batch))
            throw new UsageException(command + ": --micro-batch must be between 1 and the batch (" + batch + "), got " + micro);
        return new MemoryPlan(recompute, micro == batch ? 0 : micro);
    }
}
