package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.emu.EmulatedDevice;
import imfengine.distributed.NcclProcessGroup;
import imfengine.distributed.ProcessGroup;
import imfengine.nn.BlockRunner;
import imfengine.nn.ImfDiT;
import imfengine.optim.AdamW;
import imfengine.optim.Ema;
import imfengine.tensor.Host;
import imfengine.tensor.Tensor;
import imfengine.testing.FakeNccl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The trainer's gradient sum through {@link NcclProcessGroup} on the CUDA backend (emulated device, fake
 * {@code libnccl.so.2} of {@link FakeNccl}), one rank: the steps give the same bits as without NCCL, and each step's
 * all-reduce was one {@code ncclAllReduce} of the whole flat gradient buffer, in place at its device address, float32
 * {@code ncclSum}, on the backend's stream (0 under the emulator). The fake refuses any other datatype, op, stream or
 * communicator, so a wrong argument fails the step; a 2-process reduction through it is {@code MpiTrainingIT}'s.
 */
class NcclStepTest {
    static final int STEPS = 2;
    @TempDir Path dir;

    @Test void stepsThroughNcclOnOneRankAreTheStepsWithoutIt() throws Exception {
        assumeTrue(EmulatedDevice.available(), "no kernel emulator (make emu)");
        FakeNccl fake = FakeNccl.build(dir);
        float[] plain = train(new CudaBackend(EmulatedDevice.open()), be -> ProcessGroup.single(), (be, net, s) -> {});
        float[] viaNccl = train(new CudaBackend(EmulatedDevice.open()), be -> NcclProcessGroup.open(ProcessGroup.single(), be, fake.open()),
                (be, net, s) -> {
                    Tensor grads = net.store().gradients();
                    long at = be.deviceAddress(grads);
                    assertArrayEquals(new long[]{at, at, grads.size(), 7, 0, 0, 1, s + 1}, fake.last(),
                            "step " + s + ": in place over the whole gradient buffer, ncclFloat32, ncclSum, stream 0, 1 rank, one call per step");
                });
        assertArrayEquals(plain, viaNccl, "the same bits with and without the 1-rank NCCL all-reduce");
        assertEquals(0, fake.live(), "the group's close destroyed the communicator");
    }

    /** What a test checks after each step. */
    interface AfterStep {
        void check(CudaBackend be, ImfDiT net, int step);
    }

    /** {@link #STEPS} steps of the tiny model on {@code be} with the group {@code groupOn} makes; the parameters after them. */
    static float[] train(CudaBackend be, Function<CudaBackend, ProcessGroup> groupOn, AfterStep after) {
        ImfDiT net = new ImfDiT(TinyModels.TINY, be, 8, true, BlockRunner.KEEP);
        TinyModels.perturb(net, 8, 0.2);
        float[] initial = Host.floats(net.store().values());
        float[] images = TinyModels.images(MicroBatchTest.B, 9);
        try (ProcessGroup g = groupOn.apply(be)) {
            TrainingStep step = new TrainingStep(net, new ImfObjective(ObjectiveConfig.paper()), new AdamW(net.store(), 0f),
                    new Ema(net.store(), 0.9), MicroBatchTest.SEED, Integer.MAX_VALUE, new BatchShard(MicroBatchTest.B, 0, 1), g);
            for (int s = 0; s < STEPS; s++) {
                try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                    Tensor x = Host.upload(cx, images, net.imageShape(MicroBatchTest.B));
                    Tensor y = Host.upload(cx, MicroBatchTest.LABELS);
                    step.run(cx, x, y, MicroBatchTest.STEP + s, 1e-2);
                }
                after.check(be, net, s);
            }
        }
        float[] out = Host.floats(net.store().values());
        assertFalse(Arrays.equals(initial, out), "the steps moved the parameters");
        return out;
    }
}
