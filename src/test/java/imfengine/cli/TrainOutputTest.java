package imfengine.cli;

import imfengine.testing.SyntheticMnist;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code train} prints and cleans up, in-process: plain progress lines when stderr is not a terminal (here
 * it is a pipe to Maven), the live line only when asked, and stale temporaries in {@code --out} removed at the start.
 */
class TrainOutputTest {
    @TempDir static Path dir;
    static Path mnist;

    @BeforeAll static void data() throws Exception {
        mnist = SyntheticMnist.write(dir.resolve("mnist.bin"), 20, 17);
    }

    static CliRun train(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", mnist.toString(), "--batch", "2", "--threads", "1",
                "--checkpoint-every", "0", "--out", out.toString()));
        a.addAll(List.of(more));
        CliRun r = CliRun.of(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r;
    }

    static List<String> stepLines(CliRun r) {
        return Arrays.stream(r.err().split("\n")).filter(l -> l.startsWith("step ")).toList();
    }

    @Test void aPlainLineEveryNStepsAndTheLast() {
        CliRun r = train(dir.resolve("every2"), "--steps", "5", "--log-every", "2");
        assertFalse(r.err().contains("\r"), r.err());
        List<String> lines = stepLines(r);
        assertEquals(3, lines.size(), r.err());
        for (int i = 0; i < 3; i++) assertTrue(lines.get(i).startsWith("step " + new int[]{2, 4, 5}[i] + "/5  mse_u "), lines.get(i));
    }

    @Test void thePrecisionIsPrintedAndSavedWithTheRun() throws Exception {
        Path out = dir.resolve("precision");
        CliRun r = train(out, "--steps", "1");
        assertTrue(r.err().contains(" steps, precision fp32, backend cpu"), r.err());
        assertEquals("fp32", imfengine.imf.Checkpoint.metadata(out.resolve("checkpoint.safetensors")).get("precision"));
    }

    @Test void plainLinesByDefaultWhenStderrIsNoTerminal() {
        CliRun r = train(dir.resolve("auto"), "--steps", "2");
        assertFalse(r.err().contains("\r"), r.err());
        List<String> lines = stepLines(r);
        assertFalse(lines.isEmpty(), r.err());
        assertTrue(lines.get(lines.size() - 1).startsWith("step 2/2  "), r.err());
    }

    @Test void theLiveLineWhenAsked() {
        CliRun r = train(dir.resolve("live"), "--steps", "2", "--log-every", "live");
        assertTrue(r.err().contains("\rstep 1/2  ") && r.err().contains("\rstep 2/2  "), r.err());
    }

    @Test void staleTemporariesInOutAreRemovedAtTheStart() throws Exception {
        Path out = Files.createDirectories(dir.resolve("stale"));
        long noSuchPid = (1L << 22) + 7;
        Path stale = Files.writeString(out.resolve(".checkpoint.safetensors." + noSuchPid + "-18c0f3a2b4.tmp"), "half a checkpoint");
        Path other = Files.writeString(out.resolve(".notes.txt." + noSuchPid + "-18c0f3a2b4.tmp"), "not ours");
        CliRun r = train(out, "--steps", "1");
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(other));
        assertTrue(r.err().contains("train: removed 1 temporary file(s) left by an interrupted write: " + stale), r.err());
        try (var files = Files.list(out)) {
            assertEquals(List.of(".notes.txt." + noSuchPid + "-18c0f3a2b4.tmp"), // and no temporary of this run's own writes
                    files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).sorted().toList());
        }
    }

    @Test void badLogEvery() {
        CliErrorsTest.failsWithOneLine("--log-every N needs N >= 1", "train", "--log-every", "0");
        CliErrorsTest.failsWithOneLine("--log-every must be auto, live", "train", "--log-every", "fast");
        CliErrorsTest.failsWithOneLine("--log-every must be auto, live", "train", "--log-every", "-3s");
        CliErrorsTest.failsWithOneLine("--log-every must be a positive duration", "train", "--log-every", "0s");
    }
}
