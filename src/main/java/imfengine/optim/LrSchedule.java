package imfengine.optim;

/** Linear warmup from 0 to {@code peak} over {@code warmupSteps}, then constant (IMF_SPEC.md §2.10). */
public record LrSchedule(double peak, long warmupSteps) {
    public LrSchedule {
        if (!(peak > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + peak);
        if (warmupSteps < 0) throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
    }

    /** The rate for step {@code step} (counting from 1). */
    public double at(long step) {
        return warmupSteps == 0 ? peak : peak * Math.min(1.0, (double) step / warmupSteps);
    }
}
