package imfengine.backend.cuda;

import imfengine.autodiff.Context;
import imfengine.imf.ImfObjective;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.TrainingStep;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.DType;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocator under the real allocation pattern of training: whole iMF training steps of the {@code s}
 * model at batch 64 through {@link CudaBackend} on a {@link FakeDevice} (no kernels run, so only the host
 * side, the allocations among it, is exercised), each followed in its context by a tape-free v-head forward of
 * a different batch every step (as sampling batches, or until 2026-12-03 the step's own guidance call on the
 * examples outside their interval, have). After one step with the largest extra batch and one with none, no step
 * allocates from the device again and nothing is flushed.
 */
class AllocatorReuseTest {
    private static final int BATCH = 64;

    @Test void changingBatchesReuseTheCacheWithoutDeviceAllocationsOrFlushes() {
        FakeDevice device = new FakeDevice(1L << 40);
        CudaBackend be = new CudaBackend(device);
        ModelConfig mc = ModelConfig.preset("s");
        ImfDiT net = new ImfDiT(mc, be, 1, true);
        TrainingStep step = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f),
                new Ema(net.store(), 0.999), 7);
        float[] x = new float[BATCH * mc.imageSize() * mc.imageSize() * mc.channels()];
        int[] labels = new int[BATCH];
        Shape img = net.imageShape(BATCH);
        SplittableRandom r = new SplittableRandom(5);
        int[] extra = new int[42];
        extra[0] = BATCH; // warm-up: the largest extra batch, then none
        extra[1] = 0;
        for (int i = 2; i < extra.length; i++) extra[i] = r.nextInt(BATCH + 1);
        AllocatorStats warm = null;
        int warmCalls = 0;
        for (int n = 0; n < extra.length; n++) {
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                step.run(cx, Host.upload(cx, x, img), Host.upload(cx, labels), n + 1, 1e-4);
                if (extra[n] > 0) vHead(cx, net, extra[n]);
            }
            be.allocator().check();
            if (n == 1) {
                warm = be.allocator().stats();
                warmCalls = device.allocateCalls;
            }
        }
        AllocatorStats end = be.allocator().stats();
        assertEquals(warmCalls, device.allocateCalls, "device allocations after warm-up (extra batches " + java.util.Arrays.toString(extra) + ")");
        assertEquals(warm.reservedBytes(), end.reservedBytes());
        assertEquals(0, end.flushes(), "flushes");
        assertEquals(0, device.freeCalls);
        assertEquals(0, device.synchronizeCalls, "nothing waited for the device");
        assertTrue(end.peakReservedBytes() <= 1.25 * end.peakLiveBytes(),
                "fragmentation: " + end.peakReservedBytes() + " bytes reserved for a peak of " + end.peakLiveBytes() + " live");
    }

    /** A tape-free v-head forward of {@code n} examples (at h = 0, t_min = 0, t_max = 1), kept until {@code cx} closes. */
    private static void vHead(Context cx, ImfDiT net, int n) {
        try (Context g = cx.child(Context.Tape.OFF)) {
            Shape s = Shape.of(n);
            ImfDiT.Conditions c = new ImfDiT.Conditions(g.full(s, 2), g.zeros(s), g.full(s, 1), g.zeros(s, DType.I32));
            g.keep(net.forward(g, g.constant(g.zeros(net.imageShape(n))), g.constant(g.zeros(s)), c, ImfDiT.Heads.V).v().value());
        }
    }
}
