package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.backend.cpu.CpuBackend;
import imfengine.nn.ChunkedForward;
import imfengine.nn.ImfDiT;
import imfengine.nn.ModelConfig;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link ChunkedForward}: a forward in chunks of examples gives the bits of one forward over the whole batch, for
 * either head, on both CPU paths, with chunks that divide the batch and chunks that leave a shorter last one; and
 * the chunk size follows its rule.
 */
class ChunkedForwardTest {
    private static final int B = 5;

    @Test void chunksGiveTheBitsOfTheWholeBatch() {
        for (CpuBackend be : Backends.BOTH) {
            ImfDiT net = TinyModels.perturbed(be, 5, 0.1);
            for (ImfDiT.Heads head : new ImfDiT.Heads[] {ImfDiT.Heads.U, ImfDiT.Heads.V}) {
                float[] whole = run(be, net, head, B);
                for (int chunk : new int[] {1, 2, 3})
                    assertArrayEquals(whole, run(be, net, head, chunk), be.name() + ", head " + head + ", chunks of " + chunk);
            }
        }
    }

    @Test void examplesPerChunkFollowsTheCacheAndTheFewestRows() {
        ModelConfig xs = ModelConfig.preset("xs"), s = ModelConfig.preset("s");
        assertEquals(32, ChunkedForward.examplesPerChunk(xs, 2 << 20), "xs, 2 MiB: 8 examples fit, 2208 rows need 32");
        assertEquals(32, ChunkedForward.examplesPerChunk(xs, 64 << 10), "xs, a small cache: 2208 rows at least");
        assertEquals(70, ChunkedForward.examplesPerChunk(xs, 16 << 20), "xs, 16 MiB: 69·(96 + 3·256)·4 B an example");
        assertEquals(11, ChunkedForward.examplesPerChunk(s, 2 << 20), "s, 2 MiB: one example fits, 2208 rows need 11");
        assertEquals(Integer.MAX_VALUE, ChunkedForward.examplesPerChunk(s, Long.MAX_VALUE), "no cache to fit: the whole batch");
    }

    @Test void oneHeadOnly() {
        CpuBackend be = Backends.SIMD;
        ImfDiT net = TinyModels.perturbed(be, 5, 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(be, net, ImfDiT.Heads.BOTH, 2));
        assertEquals("evaluate: one head, U or V", e.getMessage());
    }

    private static float[] run(CpuBackend be, ImfDiT net, ImfDiT.Heads head, int chunk) {
        SplittableRandom r = new SplittableRandom(17);
        Shape img = net.imageShape(B);
        float[] x = new float[(int) img.size()], h = new float[B], omega = new float[B], lo = new float[B], hi = new float[B];
        int[] labels = new int[B];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * r.nextDouble() - 1);
        for (int i = 0; i < B; i++) {
            h[i] = (float) r.nextDouble();
            omega[i] = 1 + 3 * (float) r.nextDouble();
            lo[i] = 0.2f * (float) r.nextDouble();
            hi[i] = 1 - lo[i];
            labels[i] = i % (net.config().classes() + 1); // the null class too
        }
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            ImfDiT.Conditions c = new ImfDiT.Conditions(Host.upload(cx, omega, B), Host.upload(cx, lo, B), Host.upload(cx, hi, B),
                    Host.upload(cx, labels));
            Tensor out = ChunkedForward.evaluate(cx, net, Host.upload(cx, x, img), Host.upload(cx, h, B), c, head, chunk);
            return Host.floats(out);
        }
    }
}
