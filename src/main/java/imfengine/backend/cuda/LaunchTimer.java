package imfengine.backend.cuda;

/**
 * Times the device calls a {@link TimedDevice} brackets: {@link #begin()} just before a call, {@link #end}
 * just after it, and {@link #drain()} once the work is done. Implementations: {@link EventTimer} (a CUDA
 * event pair per call, GPU time) and {@link HostClockTimer} (host wall clock around a synchronised call).
 */
public interface LaunchTimer extends AutoCloseable {
    /** Marks the start of one call; returns its index (0, 1, 2, … since the last {@link #drain()}). */
    int begin();

    /** Marks the end of the call {@code index} began. */
    void end(int index);

    /** Waits for the bracketed work, then returns each call's duration in milliseconds, by index; starts over. */
    double[] drain();

    /** What the durations measure, for reports ("cuda events", "host clock"). */
    String clock();

    @Override void close();
}
