package imfengine.backend.cuda;

import imfengine.backend.DeviceProfile;
import imfengine.backend.DeviceProfile.Call;
import imfengine.backend.GemmSpec;
import imfengine.backend.ProfileRecorder;

import java.util.ArrayList;
import java.util.List;

/**
 * Times every call that queues device work (kernel launches, GEMMs, copies, fills) while a recording is
 * open, through a {@link LaunchTimer}, and sums the times per kernel and per kernel family into a
 * {@link DeviceProfile}. Outside a recording it only forwards. Opt-in: {@code bench --profile} wraps the
 * backend's device in one; nothing else does.
 * <pre>
 *   TimedDevice timed = TimedDevice.of(device);   // CUDA events on a DriverDevice, else the host clock
 *   CudaBackend be = new CudaBackend(timed);
 *   timed.start();  step.run(…);  DeviceProfile p = timed.stop();
 * </pre>
 */
public final class TimedDevice extends ForwardingDevice implements ProfileRecorder {
    private final LaunchTimer timer;
    private final List<Call> calls = new ArrayList<>();
    private volatile boolean recording;
    private long startNanos, allocations, frees;

    public TimedDevice(Device inner, LaunchTimer timer) {
        super(inner);
        this.timer = timer;
    }

    /** CUDA events when {@code inner} is (or wraps) the driver's device, else the host clock. */
    public static TimedDevice of(Device inner) {
        return new TimedDevice(inner, unwrap(inner) instanceof DriverDevice d ? new EventTimer(d.context()) : new HostClockTimer(inner));
    }

    @Override public synchronized void start() {
        if (recording) throw new IllegalStateException("a recording is already open");
        inner.synchronize();
        calls.clear();
        allocations = frees = 0;
        timer.drain();
        startNanos = System.nanoTime();
        recording = true;
    }

    @Override public synchronized DeviceProfile stop() {
        if (!recording) throw new IllegalStateException("no recording is open");
        inner.synchronize();
        double wallMs = (System.nanoTime() - startNanos) / 1e6;
        recording = false;
        double[] ms = timer.drain();
        if (ms.length != calls.size()) throw new IllegalStateException(ms.length + " timings for " + calls.size() + " calls");
        List<Call> done = List.copyOf(calls);
        calls.clear();
        return DeviceProfile.of(timer.clock(), wallMs, done, ms, allocations, frees);
    }

    /** Runs {@code work}; while recording, brackets it with the timer and remembers what it was. */
    private void timed(String name, String family, double flops, Runnable work) {
        if (!recording) {
            work.run();
            return;
        }
        synchronized (this) {
            int i = timer.begin();
            work.run();
            timer.end(i);
            calls.add(new Call(name, family, flops));
        }
    }

    @Override public long allocate(long bytes) {
        if (recording) synchronized (this) { allocations++; }
        return inner.allocate(bytes);
    }

    @Override public void free(long address) {
        if (recording) synchronized (this) { frees++; }
        inner.free(address);
    }

    @Override public void launch(Kernel kernel, Launch geometry, KernelArgs args) {
        timed(kernel.symbol(), kernel.family(), 0, () -> inner.launch(kernel, geometry, args));
    }

    @Override public void gemm(GemmSpec spec, GemmInputs inputs, long a, long b, long c) {
        timed(Cublas.call(spec, inputs), "gemm", spec.flops(), () -> inner.gemm(spec, inputs, a, b, c));
    }

    @Override public void copyToDevice(float[] src, long dst) { timed("memcpy HtoD", "memory", 0, () -> inner.copyToDevice(src, dst)); }

    @Override public void copyToDevice(int[] src, long dst) { timed("memcpy HtoD", "memory", 0, () -> inner.copyToDevice(src, dst)); }

    @Override public void copyToDevice(short[] src, long dst) { timed("memcpy HtoD", "memory", 0, () -> inner.copyToDevice(src, dst)); }

    @Override public void copyToHost(long src, float[] dst) { timed("memcpy DtoH", "memory", 0, () -> inner.copyToHost(src, dst)); }

    @Override public void copyToHost(long src, int[] dst) { timed("memcpy DtoH", "memory", 0, () -> inner.copyToHost(src, dst)); }

    @Override public void copyToHost(long src, short[] dst) { timed("memcpy DtoH", "memory", 0, () -> inner.copyToHost(src, dst)); }

    @Override public void copy(long src, long dst, long bytes) { timed("memcpy DtoD", "memory", 0, () -> inner.copy(src, dst, bytes)); }

    @Override public void fill32(long dst, int bits, long count) { timed("memset D32", "memory", 0, () -> inner.fill32(dst, bits, count)); }

    @Override public void fill16(long dst, short bits, long count) { timed("memset D16", "memory", 0, () -> inner.fill16(dst, bits, count)); }

    @Override public void closeTimer() { timer.close(); }
}
