package imfengine.imf;

import imfengine.data.Dataset;
import imfengine.testing.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** 2N steps in one run give the same losses as N steps, a checkpoint, and N resumed steps. */
class ResumeTest {
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test void resumedRunContinuesBitForBit(@TempDir Path dir) throws Exception {
        Dataset data = new SyntheticDigits(40);
        int n = 3;
        Trainer straight = new Trainer(config(dir.resolve("a"), 2 * n), data, Backends.SIMD, null, QUIET);
        straight.run();
        Trainer first = new Trainer(config(dir.resolve("b"), n), data, Backends.SIMD, null, QUIET);
        first.run();
        Trainer resumed = new Trainer(config(dir.resolve("b"), 2 * n), data, Backends.SIMD, dir.resolve("b/checkpoint.safetensors"), QUIET);
        resumed.run();
        List<String> a = Files.readAllLines(dir.resolve("a/metrics.jsonl")), b = Files.readAllLines(dir.resolve("b/metrics.jsonl"));
        assertEquals(2 * n, a.size());
        assertEquals(2 * n, b.size());
        for (int i = 0; i < a.size(); i++) assertEquals(withoutTiming(a.get(i)), withoutTiming(b.get(i)), "step " + (i + 1));
    }

    private static String withoutTiming(String line) { return line.replaceAll(",\"sec\":[0-9.eE+-]+", ""); }

    static TrainConfig config(Path out, long steps) {
        return new TrainConfig(TinyModels.TINY, 6, steps, 0, 1e-3, 2, 0.99, 5, 2, out, ObjectiveConfig.paper(), 1f, 0f, 1f);
    }

    /** Random 8×8 images with 3 classes, fixed by the seed. */
    static final class SyntheticDigits implements Dataset {
        private final float[] pixels;
        private final int count;

        SyntheticDigits(int count) {
            this.count = count;
            this.pixels = TinyModels.images(count, 77);
        }

        @Override public int count() { return count; }
        @Override public int height() { return 8; }
        @Override public int width() { return 8; }
        @Override public int channels() { return 1; }
        @Override public int numClasses() { return 3; }
        @Override public int label(int i) { return i % 3; }
        @Override public void copyImage(int i, float[] out, int offset) { System.arraycopy(pixels, i * 64, out, offset, 64); }
    }
}
