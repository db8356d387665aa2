package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.cuda.CudaBackend;
import imfengine.backend.cuda.CudaException;
import imfengine.backend.cuda.Nccl;
import imfengine.distributed.NcclProcessGroup;
import imfengine.distributed.ProcessGroup;
import imfengine.tensor.DType;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real {@code libnccl.so.2} on the device (the device check's {@code nccl} stage runs this class on a GPU): a
 * 1-rank communicator, an in-place and an out-of-place {@code ncclSum} all-reduce of a known buffer (the latter from
 * an offset, 2^20 + 2 values: NCCL 2.28's 1-rank {@code ncclAvg} lost such a tail, NVIDIA/nccl#1950) round-trip the
 * values unchanged, and {@link NcclStepTest}'s training steps through
 * {@link NcclProcessGroup} give those without it. Skips, saying why, where no NCCL loads (as in {@code make test}:
 * there the fake library of {@link NcclStepTest} stands in). One GPU: several ranks are not tried here.
 */
@Tag("nccl")
class NcclDeviceTest {
    @Test void aOneRankCommunicatorRoundTripsABufferAndTrainsAsWithoutIt() {
        CudaBackend be = Backends.cuda();
        assumeTrue(be != null, "no CUDA device and no kernel emulator");
        Nccl nccl;
        try {
            nccl = Nccl.open();
        } catch (CudaException e) {
            assumeTrue(false, e.getMessage());
            return;
        }
        System.out.println("NCCL " + nccl.version() + " from " + nccl.library() + " [" + nccl.place() + "] on " + be.name());
        int n = (1 << 20) + 3;
        float[] known = new float[n];
        for (int i = 0; i < n; i++) known[i] = (float) (Math.sin(i * 1e-3) * (i % 7 - 3));
        try (Context cx = Context.open(be, Context.Tape.OFF);
             NcclProcessGroup g = NcclProcessGroup.open(ProcessGroup.single(), be, nccl)) {
            Tensor t = Host.upload(cx, known, n);
            g.sumInPlace(t);
            assertArrayEquals(known, Host.floats(t), "1 rank: the in-place sum is the buffer itself");
            Tensor out = cx.empty(Shape.of(n - 1), DType.F32);
            try (Nccl.Communicator c = nccl.communicator(1, nccl.uniqueId(), 0)) {
                c.allReduce(be.deviceAddress(t) + Float.BYTES, be.deviceAddress(out), n - 1, Nccl.Op.SUM, be.foreignStream());
            }
            float[] shifted = new float[n - 1];
            System.arraycopy(known, 1, shifted, 0, n - 1);
            assertArrayEquals(shifted, Host.floats(out), "1 rank: the out-of-place sum from an offset");
        }
        float[] plain = NcclStepTest.train(be, b -> ProcessGroup.single(), (b, net, s) -> {});
        float[] viaNccl = NcclStepTest.train(be, b -> NcclProcessGroup.open(ProcessGroup.single(), b, nccl), (b, net, s) -> {});
        double rel = Ref.relErr(viaNccl, plain);
        System.out.printf("NCCL 1-rank training steps vs without: rel err %.3g%n", rel);
        assertTrue(rel <= 1e-6, "training steps through NCCL differ from those without it: rel err " + rel);
    }
}
