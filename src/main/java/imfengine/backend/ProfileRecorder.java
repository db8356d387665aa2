package imfengine.backend;

/**
 * Records the device time of the work run between {@link #start()} and {@link #stop()}: what {@code bench --profile}
 * drives, on CUDA at the device seam ({@code TimedDevice}) and on the CPU around each backend call ({@link TimedBackend}).
 */
public interface ProfileRecorder {
    /** Waits for queued work, then starts recording. */
    void start();

    /** Waits for the recorded work, ends the recording and sums it. */
    DeviceProfile stop();

    /** Releases what the recordings used (CUDA events); nothing by default. */
    default void closeTimer() {}
}
