package imfengine.backend.cuda;

import imfengine.autodiff.Context;
import imfengine.backend.DeviceProfile;
import imfengine.backend.GemmSpec;
import imfengine.backend.UnaryOp;
import imfengine.backend.cuda.emu.EmulatedDevice;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The opt-in timing hook at the device seam: what a {@link TimedDevice} records (every launch, GEMM, copy and
 * fill while a recording is open, nothing outside one), how {@link DeviceProfile} sums it per kernel and per
 * family, and the memory a {@link MeteredDevice} counts. The durations come from a timer that hands out fixed
 * numbers, so the sums are exact; the emulated device runs the calls.
 */
class TimedDeviceTest {
    /** Call i lasts i + 1 ms. */
    static final class CountingTimer implements LaunchTimer {
        int count, closed;

        @Override public int begin() { return count++; }

        @Override public void end(int index) {}

        @Override public double[] drain() {
            double[] ms = new double[count];
            for (int i = 0; i < count; i++) ms[i] = i + 1;
            count = 0;
            return ms;
        }

        @Override public String clock() { return "counting"; }

        @Override public void close() { closed++; }
    }

    private static EmulatedDevice emulated() {
        assumeTrue(EmulatedDevice.available(), "no kernel emulator (make emu)");
        return EmulatedDevice.open();
    }

    @Test void recordsEveryDeviceCallOfARecordingAndSumsThemPerKernelAndFamily() {
        CountingTimer timer = new CountingTimer();
        TimedDevice timed = new TimedDevice(emulated(), timer);
        CudaBackend be = new CudaBackend(timed);
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            Tensor x = Host.upload(cx, new float[]{1, 2, 3, 4, 5, 6}, Shape.of(2, 3)), y = cx.empty(Shape.of(2, 3));
            Tensor w = Host.upload(cx, new float[]{1, 0, 0, 1, 1, 1}, Shape.of(3, 2)), c = cx.empty(Shape.of(2, 2));
            be.unary(UnaryOp.EXP, x, y);                         // before the recording: not counted
            timed.start();
            be.unary(UnaryOp.EXP, x, y);                         // call 0: 1 ms
            be.unary(UnaryOp.SIGMOID, x, y);                        // call 1: 2 ms
            be.gemm(GemmSpec.of(2, 2, 3, false, false, 1f, 0f), x, w, c); // call 2: 3 ms, 24 flops
            be.fill(y, 0);                                       // call 3: 4 ms
            float[] back = Host.floats(c);                       // call 4: 5 ms (download)
            DeviceProfile p = timed.stop();
            be.unary(UnaryOp.EXP, x, y);                         // after: not counted
            assertEquals(List.of(4f, 5f, 10f, 11f), List.of(back[0], back[1], back[2], back[3]));

            assertEquals("counting", p.clock());
            assertEquals(5, p.calls());
            assertEquals(15.0, p.busyMs());
            Map<String, DeviceProfile.Entry> fam = p.families().stream().collect(Collectors.toMap(DeviceProfile.Entry::name, e -> e));
            assertEquals(new DeviceProfile.Entry("memory", "memory", 2, 9, 0), fam.get("memory"));
            assertEquals(new DeviceProfile.Entry("gemm", "gemm", 1, 3, 24), fam.get("gemm"));
            assertEquals(new DeviceProfile.Entry("elementwise", "elementwise", 2, 3, 0), fam.get("elementwise"));
            assertEquals(List.of("memory", "elementwise", "gemm"), p.families().stream().map(DeviceProfile.Entry::name).toList(),
                    "largest time first, ties by name");
            assertEquals(24 / 3e9, fam.get("gemm").tflops(), 1e-18);
            assertTrue(Double.isNaN(fam.get("memory").tflops()));
            Map<String, DeviceProfile.Entry> k = p.kernels().stream().collect(Collectors.toMap(DeviceProfile.Entry::name, e -> e));
            assertEquals(new DeviceProfile.Entry("unary_fwd_f32", "elementwise", 2, 3, 0), k.get("unary_fwd_f32"));
            assertEquals(new DeviceProfile.Entry("cublasSgemm", "gemm", 1, 3, 24), k.get("cublasSgemm"));
            assertEquals(4.0, k.get("memset D32").ms());
            assertEquals(5.0, k.get("memcpy DtoH").ms());
            assertTrue(p.wallMs() >= 0);
        }
        timed.closeTimer();
        assertEquals(1, timer.closed);
    }

    @Test void recordingsDoNotNestAndStopNeedsAStart() {
        TimedDevice timed = new TimedDevice(emulated(), new CountingTimer());
        assertThrows(IllegalStateException.class, timed::stop);
        timed.start();
        assertThrows(IllegalStateException.class, timed::start);
        assertEquals(0, timed.stop().calls());
    }

    @Test void theHostClockTimesEmulatedCallsAndTheDriverGetsEvents() {
        EmulatedDevice d = emulated();
        TimedDevice timed = TimedDevice.of(new MeteredDevice(d));
        CudaBackend be = new CudaBackend(timed);
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            Tensor x = Host.upload(cx, new float[]{1, 2, 3}, Shape.of(3)), y = cx.empty(Shape.of(3));
            timed.start();
            be.unary(UnaryOp.EXP, x, y);
            DeviceProfile p = timed.stop();
            assertEquals("host clock", p.clock());
            assertEquals(1, p.calls());
            assertTrue(p.busyMs() >= 0 && p.busyMs() <= p.wallMs(), p.toString());
        }
        assertEquals(d, ForwardingDevice.unwrap(timed));
    }

    @Test void allocationsDuringARecordingAreCounted() {
        TimedDevice timed = new TimedDevice(emulated(), new CountingTimer());
        timed.start();
        long a = timed.allocate(1024);
        timed.free(a);
        timed.free(timed.allocate(64));
        DeviceProfile p = timed.stop();
        assertEquals(2, p.allocations());
        assertEquals(2, p.frees());
        assertEquals(0, p.calls(), "allocations are host calls, not timed device work");
    }

    @Test void theMeteredDeviceCountsWhatIsHeldFromTheDeviceAndItsPeak() {
        MeteredDevice m = new MeteredDevice(emulated());
        long a = m.allocate(1000), b = m.allocate(3000);
        assertEquals(4000, m.reservedBytes());
        m.free(a);
        assertEquals(3000, m.reservedBytes());
        assertEquals(4000, m.peakReservedBytes());
        m.resetPeak();
        assertEquals(3000, m.peakReservedBytes());
        m.free(b);
        assertEquals(0, m.reservedBytes());
        assertEquals(2, m.allocations());
        CudaBackend be = new CudaBackend(m); // above the caching allocator: a closed context's blocks stay reserved
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            cx.empty(Shape.of(1 << 20));
        }
        assertEquals(be.allocator().stats().cachedBytes(), m.reservedBytes());
        assertTrue(m.reservedBytes() >= 4L << 20);
        be.allocator().emptyCache();
        assertEquals(0, m.reservedBytes());
    }
}
