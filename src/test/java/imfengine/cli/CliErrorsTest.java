package imfengine.cli;

import imfengine.testing.SyntheticMnist;
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
import java.util.concurrent.TimeUnit;

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
        mnist = SyntheticMnist.write(dir.resolve("mnist.bin"), 20, 31);
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
        failsWithOneLine("--micro-batch must be between 1 and the batch (8), got 0", "train", "--batch", "8", "--micro-batch", "0");
        failsWithOneLine("--micro-batch must be between 1 and the batch (8), got 9", "bench", "--batch", "8", "--micro-batch", "9");
        failsWithOneLine("--recompute must be on or off, got 'yes'", "train", "--recompute", "yes");
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
        failsWithOneLine("--preset s cannot change on --resume: the run's preset is xs", "train", "--preset", "s", "--resume", checkpoint.toString(),
                "--data", mnist.toString(), "--out", dir.resolve("run").toString(), "--steps", "3");
        assertArrayEquals(before, Files.readAllBytes(checkpoint), "checkpoint not overwritten");
    }

    /** A heap too small for the model: one error line that says what to change, exit 1 (a separate JVM with a 96 MiB heap). */
    @Test void outOfMemorySaysHowToGiveTheJvmMore() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process p = new ProcessBuilder(java, "-Xmx96m", "--add-modules=jdk.incubator.vector", "-cp", classes,
                "imfengine.cli.Main", "train", "--preset", "s", "--batch", "64", "--steps", "1",
                "--data", mnist.toString(), "--out", dir.resolve("oom").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // a worker thread that ran out of memory once left the caller waiting forever: bound the wait
        boolean exited = p.waitFor(120, TimeUnit.SECONDS);
        if (!exited) p.destroyForcibly();
        assertTrue(exited, "the out-of-memory run hung");
        String err = new String(p.getErrorStream().readAllBytes()).lines()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules")).reduce("", (x, y) -> x + y + "\n");
        assertEquals(1, p.exitValue(), err);
        String[] lines = err.strip().split("\n"); // the run's header line, then the error
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("error: train: out of memory (Java heap ") && last.contains("-Xmx"), err);
        assertEquals(1, Arrays.stream(lines).filter(l -> l.startsWith("error:")).count(), err);
        assertFalse(err.contains("\tat "), "no stack trace:\n" + err);
        assertFalse(Files.exists(dir.resolve("oom/checkpoint.safetensors")));
    }

    @Test void helpOnEveryCommand() {
        for (String c : new String[]{"train", "sample", "eval", "fid", "bench", "info"}) {
            CliRun o = CliRun.of(c, "--help");
            assertEquals(0, o.code());
            assertTrue(o.out().startsWith("usage: imf-engine " + c), o.out());
        }
        assertEquals(0, CliRun.of("--help").code());
    }
}
