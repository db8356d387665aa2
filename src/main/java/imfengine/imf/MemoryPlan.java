package imfengine.imf;

import imfengine.nn.BlockRunner;
import imfengine.nn.ModelConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a training step trades compute for memory: {@code recompute} keeps only each transformer block's
 * input during the forward passes and runs the block again in the backward pass (one extra forward of
 * every block, a block's activations instead of all of them); {@code microBatch} runs the batch that many
 * examples at a time, with the batch's draws, adding up the gradients (0: the whole batch at once).
 * Neither changes what is computed beyond the order of sums.
 */
public record MemoryPlan(boolean recompute, int microBatch) {
    /** Blocks at least this wide (the ImageNet presets, B/2 and up) recompute by default. */
    public static final int RECOMPUTE_FROM_WIDTH = 768;

    /** Checkpoint metadata keys (both change the order of sums, so a resumed run keeps them to stay bit for bit). */
    public static final String RECOMPUTE_KEY = "recompute", MICRO_BATCH_KEY = "micro_batch";

    public static final MemoryPlan NONE = new MemoryPlan(false, 0);

    public MemoryPlan {
        if (microBatch < 0) throw new IllegalArgumentException("micro-batch must be >= 1 (0: the whole batch), got " + microBatch);
    }

    /** The default plan of a model: recomputation for B/2 … XL/2, the whole batch at once. */
    public static MemoryPlan defaultFor(ModelConfig model) {
        return new MemoryPlan(model.hidden() >= RECOMPUTE_FROM_WIDTH, 0);
    }

    /** As checkpoint metadata: {@code recompute on|off}, and {@code micro_batch N} when there are micro-batches. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(RECOMPUTE_KEY, recompute ? "on" : "off");
        if (microBatch != 0) m.put(MICRO_BATCH_KEY, "" + microBatch);
        return m;
    }

    public BlockRunner blockRunner() { return recompute ? BlockRunner.RECOMPUTE : BlockRunner.KEEP; }

    /** The most examples one forward and backward pass takes. */
    public int examplesPerPass() { return microBatch == 0 ? Integer.MAX_VALUE : microBatch; }

    /** As shown in logs and bench: {@code recompute on, micro-batch 16} / {@code recompute off, whole batch}. */
    public String describe() {
        return "recompute " + (recompute ? "on" : "off") + ", " + (microBatch == 0 ? "whole batch" : "micro-batch " + microBatch);
    }
}
