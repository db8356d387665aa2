package imfengine.backend.cpu;

import imfengine.data.MnistCache;
import imfengine.imf.ObjectiveConfig;
import imfengine.imf.TrainConfig;
import imfengine.imf.Trainer;
import imfengine.nn.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * No kernel of a training step reads pooled memory before writing it: two xs steps on a backend whose
 * pool fills every array with NaN write the same checkpoint bytes as on an ordinary backend. (Reused
 * arrays hold the previous step's values, so such a read would make a resumed run, whose first step
 * gets fresh arrays, differ from a straight one.)
 */
class PooledMemoryTest {
    @TempDir Path dir;

    @Test void simdKernelsWriteBeforeTheyRead() throws Exception {
        assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        compare(true);
    }

    @Test void scalarKernelsWriteBeforeTheyRead() throws Exception { compare(false); }

    private void compare(boolean simd) throws Exception {
        int n = 16;
        byte[] px = new byte[n * 784], labels = new byte[n];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 37 >> 3);
        for (int i = 0; i < n; i++) labels[i] = (byte) (i % 10);
        Path mnist = dir.resolve("mnist.bin");
        MnistCache.write(mnist, n, 28, 28, px, labels);
        byte[] plain = train(new CpuBackend(2, simd), mnist, dir.resolve("plain"));
        byte[] poisoned = train(new CpuBackend(2, simd, ArrayPool.poisoning()), mnist, dir.resolve("poisoned"));
        assertArrayEquals(plain, poisoned, "a kernel read pooled memory before writing it (" + (simd ? "simd" : "scalar") + ")");
    }

    private static byte[] train(CpuBackend be, Path mnist, Path out) throws Exception {
        TrainConfig cfg = new TrainConfig(ModelConfig.preset("xs"), 4, 2, 0, 1e-3, 1, 0.9, 7, 0, out, ObjectiveConfig.paper(), 1f, 0f, 1f);
        new Trainer(cfg, MnistCache.open(mnist), be, null, new PrintStream(OutputStream.nullOutputStream())).run();
        return Files.readAllBytes(out.resolve("checkpoint.safetensors"));
    }
}
