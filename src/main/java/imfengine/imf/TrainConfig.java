package imfengine.imf;

import imfengine.nn.ModelConfig;

import java.nio.file.Path;

/**
 * Everything a training run is set up with. Defaults are for the CPU MNIST run of {@code make run};
 * see {@code train --help} for why each differs from the paper's ImageNet values.
 */
public record TrainConfig(ModelConfig model, int batch, long steps, double timeBudgetSeconds, double lr, long warmup,
                          double emaDecay, long seed, long checkpointEvery, Path outDir, ObjectiveConfig objective,
                          float sampleOmega, float sampleTMin, float sampleTMax, MemoryPlan memory) {

    /** With the model's default memory plan ({@link MemoryPlan#defaultFor}). */
    public TrainConfig(ModelConfig model, int batch, long steps, double timeBudgetSeconds, double lr, long warmup,
                       double emaDecay, long seed, long checkpointEvery, Path outDir, ObjectiveConfig objective,
                       float sampleOmega, float sampleTMin, float sampleTMax) {
        this(model, batch, steps, timeBudgetSeconds, lr, warmup, emaDecay, seed, checkpointEvery, outDir, objective,
                sampleOmega, sampleTMin, sampleTMax, MemoryPlan.defaultFor(model));
    }

    public TrainConfig {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (memory == null) throw new IllegalArgumentException("memory plan missing");
        if (steps < 1 && timeBudgetSeconds <= 0) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
}
