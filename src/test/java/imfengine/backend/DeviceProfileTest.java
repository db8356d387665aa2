package imfengine.backend;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** {@link DeviceProfile#medianOf}: per kernel the median run's entry, a kernel a run lacked counting 0 ms there. */
class DeviceProfileTest {
    private static DeviceProfile run(double wall, double gemmMs, double normMs) {
        List<DeviceProfile.Call> calls = normMs > 0
                ? List.of(new DeviceProfile.Call("gemm 4x4x4", "gemm", 128), new DeviceProfile.Call("rmsNorm [4]", "rmsNorm", 0))
                : List.of(new DeviceProfile.Call("gemm 4x4x4", "gemm", 128));
        double[] ms = normMs > 0 ? new double[] {gemmMs, normMs} : new double[] {gemmMs};
        return DeviceProfile.of("host clock", wall, calls, ms, 3, 0);
    }

    @Test void takesEachKernelsMedianRunSoOnePreemptedRunDoesNotShow() {
        DeviceProfile p = DeviceProfile.medianOf(List.of(run(10, 4, 1), run(90, 80, 2), run(11, 5, 3)));
        assertEquals(11, p.wallMs());
        assertEquals(List.of(new DeviceProfile.Entry("gemm 4x4x4", "gemm", 1, 5, 128), new DeviceProfile.Entry("rmsNorm [4]", "rmsNorm", 1, 2, 0)),
                p.kernels());
        assertEquals(7, p.busyMs(), 1e-12);
        assertEquals(3, p.allocations());
    }

    @Test void aKernelMissingFromMostRunsHasAMedianOfNothing() {
        DeviceProfile p = DeviceProfile.medianOf(List.of(run(10, 4, 0), run(10, 4, 0), run(10, 4, 9)));
        assertEquals(List.of(new DeviceProfile.Entry("rmsNorm [4]", "rmsNorm", 0, 0, 0)),
                p.kernels().stream().filter(e -> e.family().equals("rmsNorm")).toList());
    }

    @Test void oneRunIsItself() {
        DeviceProfile one = run(10, 4, 1);
        assertSame(one, DeviceProfile.medianOf(List.of(one)));
    }
}
