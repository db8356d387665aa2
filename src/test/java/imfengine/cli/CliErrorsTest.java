package imfengine.cli;

import imfengine.imf.ObjectiveConfig;
import imfengine.imf.TrainConfig;
import imfengine.imf.Trainer;
import imfengine.nn.ModelConfig;
import imfengine.testing.Backends;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input exits non-zero with one clear line, no stack trace, and overwrites nothing. */
class CliErrorsTest {
    @TempDir static Path dir;
    static Path checkpoint, mnist;

    @BeforeAll static void makeCheckpoint() throws Exception {
        // a tiny 28×28 MNIST-like cache and an xs checkpoint trained one step on it
        int n = 20;
        byte[] px = new byte[n * 784], labels = new byte[n];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 31);
        for (int i = 0; i < n; i++) labels[i] = (byte) (i % 10);
        mnist = dir.resolve("mnist.bin");
        imfengine.data.MnistCache.write(mnist, n, 28, 28, px, labels);
        TrainConfig cfg = new TrainConfig(ModelConfig.preset("xs"), 2, 1, 0, 1e-3, 1, 0.9, 0, 0, dir.resolve("run"),
                ObjectiveConfig.paper(), 1f, 0f, 1f);
        new Trainer(cfg, imfengine.data.MnistCache.open(mnist), Backends.SIMD, null, new PrintStream(OutputStream.nullOutputStream())).run();
        checkpoint = dir.resolve("run/checkpoint.safetensors");
    }

    static void failsWithOneLine(String expected, String... args) {
        CliRun o = CliRun.of(args);
        assertNotEquals(0, o.code(), String.join(" ", args));
        String[] lines = o.err().strip().split("\n");
        assertEquals(1, lines.length, "one line for " + String.join(" ", args) + ", got:\n" + o.err());
        assertTrue(lines[0].startsWith("error: ") && lines[0].contains(expected), lines[0]);
        assertFalse(o.err().contains("\tat "), "no stack trace");
    }

    @Test void missingDataset() {
        failsWithOneLine("dataset not found", "train", "--data", dir.resolve("nope.bin").toString(), "--out", dir.resolve("x").toString());
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test void unknownPresetAndBadNumbers() {
        failsWithOneLine("unknown preset 'q'", "train", "--preset", "q");
        failsWithOneLine("--steps must be >= 1", "train", "--steps", "0");
        failsWithOneLine("--steps must be >= 1", "train", "--steps", "-5");
        failsWithOneLine("--omega must be >= 1", "sample", "--checkpoint", checkpoint.toString(), "--omega", "0.5");
        failsWithOneLine("--interval must be A,B", "sample", "--checkpoint", checkpoint.toString(), "--interval", "0.2,1.5");
        failsWithOneLine("--interval must be A,B", "sample", "--checkpoint", checkpoint.toString(), "--interval", "-0.1,0.5");
        failsWithOneLine("unknown option --stepz", "train", "--stepz", "3");
        failsWithOneLine("--batch must be >= 1", "train", "--batch", "0", "--data", mnist.toString());
    }

    @Test void corruptAndTruncatedCheckpoints() throws Exception {
        byte[] good = Files.readAllBytes(checkpoint);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(good, good.length / 2));
        failsWithOneLine("truncated.safetensors", "sample", "--checkpoint", truncated.toString(), "--out", dir.resolve("t.png").toString());
        Path corrupt = dir.resolve("corrupt.safetensors");
        byte[] bad = good.clone();
        bad[9] = '!';
        Files.write(corrupt, bad);
        failsWithOneLine("corrupt.safetensors", "sample", "--checkpoint", corrupt.toString(), "--out", dir.resolve("c.png").toString());
        failsWithOneLine("checkpoint not found", "sample", "--checkpoint", dir.resolve("absent.safetensors").toString());
        assertFalse(Files.exists(dir.resolve("t.png")) || Files.exists(dir.resolve("c.png")), "no output written");
        assertArrayEquals(Arrays.copyOf(good, good.length / 2), Files.readAllBytes(truncated), "input left as it was");
    }

    @Test void checkpointOfAnotherPreset() throws Exception {
        byte[] before = Files.readAllBytes(checkpoint);
        failsWithOneLine("is preset xs, not s", "train", "--preset", "s", "--resume", checkpoint.toString(),
                "--data", mnist.toString(), "--out", dir.resolve("run").toString(), "--steps", "3");
        assertArrayEquals(before, Files.readAllBytes(checkpoint), "checkpoint not overwritten");
    }

    @Test void helpOnEveryCommand() {
        for (String c : new String[]{"train", "sample", "eval", "bench", "info"}) {
            CliRun o = CliRun.of(c, "--help");
            assertEquals(0, o.code());
            assertTrue(o.out().startsWith("usage: imf-engine " + c), o.out());
        }
        assertEquals(0, CliRun.of("--help").code());
    }
}
