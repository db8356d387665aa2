package imfengine.backend.cpu;

/** Sinusoidal timestep features (to be implemented). */
final class CpuTimestep {
    private final WorkerPool pool;

    CpuTimestep(WorkerPool pool) {
        this.pool = pool;
    }

    void features(float[] s, int count, int dim, float maxPeriod, boolean derivative, float[] out) {
        throw new UnsupportedOperationException("CpuTimestep not implemented yet");
    }
}
