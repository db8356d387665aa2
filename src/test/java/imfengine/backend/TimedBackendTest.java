package imfengine.backend;

import imfengine.backend.cpu.CpuBackend;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What a {@link TimedBackend} records: every call made while a recording is open, including calls made through a
 * tensor's {@code backend()}, none outside one, the counters not at all; and that it computes what the wrapped
 * backend computes. The clock advances 1 ms per reading, so each call lasts exactly 1 ms.
 */
class TimedBackendTest {
    private final long[] now = {0};
    private final TimedBackend timed = TimedBackend.wrap(new CpuBackend(1, true), () -> now[0] += 1_000_000);
    private final Backend be = timed.backend();

    @Test void tensorsItAllocatesRouteTheirCallsThroughIt() {
        Tensor t = be.allocate(Shape.of(2, 3), DType.F32);
        assertSame(be, t.backend());
        assertSame(be, t.reshape(3, 2).backend(), "views keep the timed backend");
    }

    @Test void recordsEachCallOnceWithItsShapeAndFlops() {
        Tensor a = be.allocate(Shape.of(2, 3), DType.F32), b = be.allocate(Shape.of(3, 4), DType.F32), c = be.allocate(Shape.of(2, 4), DType.F32);
        be.fill(a, 1);
        be.fill(b, 2);
        timed.start();
        a.backend().gemm(GemmSpec.of(2, 4, 3, false, false, 1, 0), a, b, c);
        be.unary(UnaryOp.EXP, a, a);
        be.matrixFlops(); // a counter: not timed
        DeviceProfile p = timed.stop();
        assertEquals(List.of(new DeviceProfile.Entry("gemm 2x4x3", "gemm", 1, 1, 48), new DeviceProfile.Entry("unary [2, 3]", "unary", 1, 1, 0)),
                p.kernels());
        assertEquals(2, p.calls());
        assertEquals(2, p.busyMs(), 1e-12);
        assertEquals(5, p.wallMs(), 1e-12, "start, two calls of two readings each, stop");
        float[] out = new float[8];
        be.download(c, out);
        assertArrayEquals(new float[] {6, 6, 6, 6, 6, 6, 6, 6}, out, "the product itself");
    }

    @Test void namesProductsSharingAByTheirWidthsSideBySide() {
        Tensor a = be.allocate(Shape.of(5, 3), DType.F32);
        Tensor[] b = {be.allocate(Shape.of(4, 3), DType.F32), be.allocate(Shape.of(2, 3), DType.F32)};
        Tensor[] c = {be.allocate(Shape.of(5, 4), DType.F32), be.allocate(Shape.of(5, 2), DType.F32)};
        be.fill(a, 1);
        for (Tensor t : b) be.fill(t, 2);
        GemmSpec[] specs = {GemmSpec.of(5, 4, 3, false, true, 1, 0), GemmSpec.of(5, 2, 3, false, true, 1, 0)};
        timed.start();
        be.gemmSharedA(specs, a, b, c);
        DeviceProfile p = timed.stop();
        assertEquals(List.of(new DeviceProfile.Entry("gemmSharedA 5x4+2x3 Bᵀ", "gemmSharedA", 1, 1, 2 * 5 * 6 * 3)), p.kernels());
        float[] out = new float[10];
        be.download(c[1], out);
        assertArrayEquals(new float[] {6, 6, 6, 6, 6, 6, 6, 6, 6, 6}, out, "the second product");
    }

    @Test void nothingIsRecordedOutsideARecording() {
        be.allocate(Shape.of(4), DType.F32);
        timed.start();
        DeviceProfile p = timed.stop();
        assertEquals(0, p.calls());
        assertEquals(0, p.allocations());
        assertThrows(IllegalStateException.class, timed::stop);
    }

    @Test void countsAllocations() {
        timed.start();
        be.allocate(Shape.of(4), DType.F32);
        be.allocate(Shape.of(5), DType.I32);
        assertEquals(2, timed.stop().allocations());
    }
}
