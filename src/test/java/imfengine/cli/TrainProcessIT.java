package imfengine.cli;

import imfengine.testing.SyntheticMnist;
import imfengine.imf.Checkpoint;
import imfengine.testing.JarProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@code train} through the jar as a user starts it ({@code java -jar}, no flags, so the launcher re-launches
 * the JVM): SIGKILL of the started process ends the training too; SIGTERM at a random step writes a checkpoint
 * from which {@code --resume} gives the metrics lines of an uninterrupted run; Ctrl-C (SIGINT to the launcher
 * and the re-launched JVM alike) ends with 130 and a checkpoint. The tiny xs runs use batch 2 and 1 thread.
 */
class TrainProcessIT {
    @TempDir static Path dir;
    static Path mnist;

    @BeforeAll static void data() throws Exception {
        mnist = SyntheticMnist.write(dir.resolve("mnist.bin"), 20, 31);
    }

    static List<String> train(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", mnist.toString(), "--batch", "2", "--threads", "1",
                "--checkpoint-every", "0", "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    @Test void sigkillOfTheStartedProcessStopsTheTraining() throws Exception {
        Path out = dir.resolve("killed");
        try (JarProcess p = JarProcess.start(train(out, "--steps", "100000", "--log-every", "1").toArray(String[]::new))) {
            p.awaitErr(l -> l.startsWith("train: preset"), JarProcess.PATIENCE); // the re-launched JVM is training
            List<ProcessHandle> children = p.descendants();
            assertFalse(children.isEmpty(), "java -jar without flags re-launches the JVM\n" + p.transcript());
            p.process().destroyForcibly(); // SIGKILL: nothing can be passed on
            p.process().waitFor();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (children.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) Thread.sleep(50);
            assertTrue(children.stream().noneMatch(ProcessHandle::isAlive), "a training JVM survived the SIGKILL of its launcher by 5 s");
        }
    }

    @Test void sigtermAtARandomStepThenResumeGivesTheUninterruptedMetrics() throws Exception {
        long seed = System.nanoTime();
        int k = 1 + new Random(seed).nextInt(5);
        String why = "SIGTERM after step " + k + " (seed " + seed + ")";
        Path a = dir.resolve("interrupted"), b = dir.resolve("straight");
        int s;
        // far more steps than the run can reach before the signal lands, however loaded the machine
        try (JarProcess p = JarProcess.start(train(a, "--steps", "100000", "--log-every", "1").toArray(String[]::new))) {
            p.awaitErr(l -> l.startsWith("step " + k + "/100000 "), JarProcess.PATIENCE);
            // SIGTERM to the launcher, which passes it on (through the handle: Process.destroy() would also close our
            // ends of its stdout and stderr, and the line that says what happened would be lost)
            p.process().toHandle().destroy();
            assertEquals(143, p.waitFor(JarProcess.PATIENCE), why + "\n" + p.transcript());
            assertEquals(1, p.out().size(), "one line\n" + p.transcript());
            Matcher m = Pattern.compile("train: stopped by SIGTERM after step (\\d+); wrote .*checkpoint\\.safetensors \\(continue with --resume .*\\)")
                    .matcher(p.out().get(0));
            assertTrue(m.matches(), p.out().get(0));
            s = Integer.parseInt(m.group(1));
            assertTrue(s >= k, why + ": stopped at " + s);
            // not a terminal: one plain line per step (--log-every 1), in order, no carriage returns
            List<String> steps = p.err().stream().filter(l -> l.startsWith("step ")).toList();
            assertEquals(s, steps.size(), p.transcript());
            for (int i = 0; i < s; i++) assertTrue(steps.get(i).startsWith("step " + (i + 1) + "/100000  "), steps.get(i));
            assertTrue(p.err().stream().noneMatch(l -> l.contains("\r")), p.transcript());
        }
        assertEquals("" + s, Checkpoint.open(a.resolve("checkpoint.safetensors")).metadata().get("step"), why);
        assertFalse(Files.exists(a.resolve("samples.png")), "an interrupted run writes no sample grid");
        int target = s + 3;
        CliRun resumed = CliRun.of(train(a, "--resume", a.resolve("checkpoint.safetensors").toString(), "--steps", "" + target,
                "--log-every", "1000").toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.err());
        CliRun straight = CliRun.of(train(b, "--steps", "" + target, "--log-every", "1000").toArray(String[]::new));
        assertEquals(0, straight.code(), straight.err());
        List<String> got = withoutTiming(Files.readAllLines(a.resolve("metrics.jsonl")));
        List<String> want = withoutTiming(Files.readAllLines(b.resolve("metrics.jsonl")));
        assertEquals(target, want.size());
        assertEquals(want, got, why);
    }

    @Test void ctrlCEndsWith130AndACheckpoint() throws Exception {
        // a shell starts background jobs with SIGINT ignored, and the JVMs started from here would inherit that
        assumeFalse(ignoredHere(2), "SIGINT is ignored in this process (started in the background?): no Ctrl-C to simulate");
        Path out = dir.resolve("ctrl-c");
        try (JarProcess p = JarProcess.start(train(out, "--steps", "100000", "--log-every", "1").toArray(String[]::new))) {
            p.awaitErr(l -> l.startsWith("step 1/"), JarProcess.PATIENCE);
            // a terminal's Ctrl-C signals the whole foreground group: the launcher and the re-launched JVM (which
            // then hears it twice, once more from the launcher)
            List<String> kill = new ArrayList<>(List.of("kill", "-INT", "" + p.process().pid()));
            p.descendants().forEach(h -> kill.add("" + h.pid()));
            assertEquals(0, new ProcessBuilder(kill).inheritIO().start().waitFor());
            assertEquals(130, p.waitFor(JarProcess.PATIENCE), p.transcript());
            assertEquals(1, p.out().size(), p.transcript());
            assertTrue(p.out().get(0).startsWith("train: stopped by SIGINT after step "), p.out().get(0));
        }
        Checkpoint.open(out.resolve("checkpoint.safetensors")); // whole and readable
    }

    /** Whether signal {@code number} is ignored in this JVM (Linux: the SigIgn mask of /proc/self/status). */
    static boolean ignoredHere(int number) throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return false;
        for (String line : Files.readAllLines(status))
            if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).strip(), 16) >>> (number - 1) & 1) == 1;
        return false;
    }

    static List<String> withoutTiming(List<String> lines) {
        return lines.stream().map(l -> l.replaceAll(",\"sec\":[0-9.eE+-]+", "")).toList();
    }
}
