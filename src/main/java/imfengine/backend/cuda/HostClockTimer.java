package imfengine.backend.cuda;

import java.util.Arrays;

/**
 * A {@link LaunchTimer} on the host clock: the device is synchronised before and after each call, so a
 * duration is the call's own work, however the device queues it. It serialises everything it times. Used
 * where there are no CUDA events (the emulated device, whose calls run on the host anyway); the numbers
 * describe the emulator, not a GPU, but the aggregation and the report are the same as with events.
 */
public final class HostClockTimer implements LaunchTimer {
    private final Device device;
    private long[] start = new long[256], end = new long[256];
    private int count;

    public HostClockTimer(Device device) { this.device = device; }

    @Override public int begin() {
        device.synchronize();
        if (count == start.length) {
            start = Arrays.copyOf(start, 2 * count);
            end = Arrays.copyOf(end, 2 * count);
        }
        start[count] = System.nanoTime();
        return count++;
    }

    @Override public void end(int index) {
        device.synchronize();
        end[index] = System.nanoTime();
    }

    @Override public double[] drain() {
        double[] ms = new double[count];
        for (int i = 0; i < count; i++) ms[i] = (end[i] - start[i]) / 1e6;
        count = 0;
        return ms;
    }

    @Override public String clock() { return "host clock"; }

    @Override public void close() {}
}
