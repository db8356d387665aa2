package imfengine.backend.cuda;

import imfengine.autodiff.Context;
import imfengine.imf.ImfObjective;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.TrainingStep;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocator under the real allocation pattern of training: whole iMF training steps of the {@code s}
 * model at batch 64 through {@link CudaBackend} on a {@link FakeDevice} (no kernels run, so only the host
 * side, the allocations among it, is exercised). After the first step no step allocates from the device again,
 * nothing is flushed and nothing waits for the device.
 */
class AllocatorReuseTest {
    private static final int BATCH = 64, STEPS = 12;

    @Test void stepsAfterTheFirstReuseTheCacheWithoutDeviceAllocationsOrFlushes() {
        FakeDevice device = new FakeDevice(1L << 40);
        CudaBackend be = new CudaBackend(device);
        ModelConfig mc = ModelConfig.preset("s");
        ImfDiT net = new ImfDiT(mc, be, 1, true);
        TrainingStep step = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f),
                new Ema(net.store(), 0.999), 7);
        float[] x = new float[BATCH * mc.imageSize() * mc.imageSize() * mc.channels()];
        int[] labels = new int[BATCH];
        Shape img = net.imageShape(BATCH);
        AllocatorStats warm = null;
        int warmCalls = 0;
        for (int n = 0; n < STEPS; n++) {
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                step.run(cx, Host.upload(cx, x, img), Host.upload(cx, labels), n + 1, 1e-4);
            }
            be.allocator().check();
            if (n == 0) {
                warm = be.allocator().stats();
                warmCalls = device.allocateCalls;
            }
        }
        AllocatorStats end = be.allocator().stats();
        assertEquals(warmCalls, device.allocateCalls, "device allocations after the first step");
        assertEquals(warm.reservedBytes(), end.reservedBytes());
        assertEquals(0, end.flushes(), "flushes");
        assertEquals(0, device.freeCalls);
        assertEquals(0, device.synchronizeCalls, "nothing waited for the device");
        assertTrue(end.peakReservedBytes() <= 1.25 * end.peakLiveBytes(),
                "fragmentation: " + end.peakReservedBytes() + " bytes reserved for a peak of " + end.peakLiveBytes() + " live");
    }
}
