package imfengine.imf;

import imfengine.nn.ModelConfig;

import java.nio.file.Path;

/**
 * Everything a training run is set up with. Defaults are for the CPU MNIST run of {@code make run};
 * see {@code train --help} for why each differs from the paper's ImageNet values.
 */
public record TrainConfig(ModelConfig model, int batch, long steps, double timeBudgetSeconds, double lr, long warmup,
                          double emaDecay, long seed, long checkpointEvery, Path outDir, ObjectiveConfig objective,
                          float sampleOmega, float sampleTMin, float sampleTMax) {

    public TrainConfig {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (steps < 1 && timeBudgetSeconds <= 0) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
}
