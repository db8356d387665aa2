package imfengine.cli;

import imfengine.data.MnistCache;
import imfengine.imf.Checkpoint;
import imfengine.io.HostArray;
import imfengine.io.Safetensors;
import imfengine.io.SafetensorsFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CPU engine trains reproducibly and {@code --resume} continues the run it resumes (issue 16): xs
 * runs of batch 8 on 2 threads through the CLI, checkpoints compared byte for byte. The settings are
 * all off their defaults, so a resume that fell back to a default would show.
 */
class ReproducibleTrainingTest {
    @TempDir static Path dir;
    static Path mnist;
    /** Every setting the resume must carry over, none at its default. */
    static final String[] RUN = {"--preset", "xs", "--batch", "8", "--lr", "0.002", "--warmup", "10", "--ema", "0.99",
            "--seed", "3", "--threads", "2", "--checkpoint-every", "0"};

    @BeforeAll static void data() {
        // 64 smooth random 28×28 digits with 10 classes, fixed by the seed
        int n = 64;
        byte[] px = new byte[n * 784], labels = new byte[n];
        java.util.Random r = new java.util.Random(16);
        for (int i = 0; i < n; i++) {
            double cx = 8 + 12 * r.nextDouble(), cy = 8 + 12 * r.nextDouble(), s = 3 + 4 * r.nextDouble();
            for (int p = 0; p < 784; p++) {
                double d2 = Math.pow(p / 28 - cy, 2) + Math.pow(p % 28 - cx, 2);
                px[i * 784 + p] = (byte) (255 * Math.exp(-d2 / (2 * s * s)));
            }
            labels[i] = (byte) (i % 10);
        }
        mnist = dir.resolve("mnist.bin");
        MnistCache.write(mnist, n, 28, 28, px, labels);
    }

    static CliRun train(Path out, int steps, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", mnist.toString(), "--steps", "" + steps));
        if (out != null) args.addAll(List.of("--out", out.toString()));
        args.addAll(Arrays.asList(more));
        CliRun o = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, o.code(), String.join(" ", args) + "\n" + o.err());
        return o;
    }

    /**
     * Each run in a JVM of its own, as a user would run them: when each kernel method gets compiled then
     * differs between the two runs, which is what made results differ before (issue 16).
     */
    @Test void twoRunsWithTheSameSeedWriteTheSameBytes() throws Exception {
        trainInNewJvm(dir.resolve("a"));
        trainInNewJvm(dir.resolve("b"));
        assertSameCheckpoint(dir.resolve("a/checkpoint.safetensors"), dir.resolve("b/checkpoint.safetensors"));
    }

    private static void trainInNewJvm(Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "imfengine.cli.Main",
                "train", "--data", mnist.toString(), "--steps", "4", "--out", out.toString()));
        cmd.addAll(Arrays.asList(RUN));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
    }

    @Test void twoStepsResumeTwoStepsEqualsFourStraightSteps() throws Exception {
        train(dir.resolve("straight"), 4, RUN);
        train(dir.resolve("resumed"), 2, RUN);
        Path ckpt = dir.resolve("resumed/checkpoint.safetensors");
        CliRun o = train(null, 4, "--resume", ckpt.toString()); // no other flag: everything from the checkpoint
        assertFalse(o.err().contains("overrides"), o.err());
        assertSameCheckpoint(dir.resolve("straight/checkpoint.safetensors"), ckpt);
        assertEquals(Files.readAllLines(dir.resolve("straight/metrics.jsonl")).stream().map(ReproducibleTrainingTest::withoutTiming).toList(),
                Files.readAllLines(dir.resolve("resumed/metrics.jsonl")).stream().map(ReproducibleTrainingTest::withoutTiming).toList());
    }

    /**
     * Two replicas (one copy of the model per thread, {@code --replicas}): the same bytes step for step, so two
     * steps and a resume without flags (which takes the replicas from the checkpoint) equal four straight steps.
     */
    @Test void replicasResumeAsTheyRan() throws Exception {
        String[] replicated = Arrays.copyOf(RUN, RUN.length + 2);
        replicated[RUN.length] = "--replicas";
        replicated[RUN.length + 1] = "2";
        CliRun first = train(dir.resolve("replicas-straight"), 4, replicated);
        assertTrue(first.err().contains(", batch 8 over 2 replicas (one copy each, in this process) ("), first.err());
        train(dir.resolve("replicas-resumed"), 2, replicated);
        Path ckpt = dir.resolve("replicas-resumed/checkpoint.safetensors");
        assertEquals("2", Checkpoint.metadata(ckpt).get("replicas"));
        CliRun o = train(null, 4, "--resume", ckpt.toString());
        assertTrue(o.err().contains("over 2 replicas"), o.err());
        assertSameCheckpoint(dir.resolve("replicas-straight/checkpoint.safetensors"), ckpt);
    }

    @Test void replicasTheMachineCannotRunAreUsageErrors() {
        String[][] bad = {{"--replicas", "3", "--threads", "2"}, {"--replicas", "0"}, {"--replicas", "2", "--device", "cuda"},
                {"--replicas", "9", "--threads", "16"}};
        String[] want = {"error: train: --replicas 3 needs at least as many threads (--threads 2)", "error: train: --replicas must be >= 1, got 0",
                "error: train: --replicas 2 needs --device cpu", "error: train: --replicas 9 needs at least one example each (--batch 8)"};
        for (int i = 0; i < bad.length; i++) {
            List<String> args = new ArrayList<>(List.of("train", "--data", mnist.toString(), "--steps", "1", "--batch", "8",
                    "--out", dir.resolve("refused").toString()));
            args.addAll(Arrays.asList(bad[i]));
            CliRun o = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, o.code(), String.join(" ", bad[i]) + "\n" + o.err());
            assertEquals(1, o.err().strip().split("\n").length, o.err());
            assertTrue(o.err().strip().startsWith(want[i]), o.err());
        }
        assertFalse(Files.exists(dir.resolve("refused/checkpoint.safetensors")), "nothing trained");
    }

    @Test void resumeWithoutFlagsContinuesAtTheRunsBatchAndLearningRate() throws Exception {
        Path run = dir.resolve("continued");
        train(run, 2, RUN);
        CliRun o = train(null, 3, "--resume", run.resolve("checkpoint.safetensors").toString());
        assertTrue(o.err().contains(", batch 8 ("), o.err()); // the run's header line: "..., batch 8 (recompute off, whole batch), ..."
        Map<String, String> meta = Checkpoint.metadata(run.resolve("checkpoint.safetensors"));
        assertEquals("3", meta.get("step"));
        assertEquals("8", meta.get("batch"));
        assertEquals(0.002, Double.parseDouble(meta.get("lr")));
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(3, metrics.size());
        assertTrue(metrics.get(2).contains("\"lr\":0.000600000,"), metrics.get(2)); // 0.002 · 3/10 warmup steps
    }

    @Test void anExplicitBatchOnResumeSaysItOverridesTheRuns() throws Exception {
        Path run = dir.resolve("overridden");
        train(run, 2, RUN);
        CliRun o = train(null, 3, "--resume", run.resolve("checkpoint.safetensors").toString(), "--batch", "16");
        List<String> notices = o.err().lines().filter(l -> l.contains("overrides")).toList();
        assertEquals(List.of("train: --batch 16 overrides the resumed run's --batch 8"), notices, o.err());
        assertEquals("16", Checkpoint.metadata(run.resolve("checkpoint.safetensors")).get("batch"));
    }

    @Test void whatCannotChangeMidRunIsAUsageErrorThatWritesNothing() throws Exception {
        Path run = dir.resolve("fixed");
        train(run, 1, RUN);
        Path ckpt = run.resolve("checkpoint.safetensors");
        byte[] before = Files.readAllBytes(ckpt);
        String[][] changes = {{"--preset", "s"}, {"--objective", "mf"}, {"--v-source", "boundary"}, {"--seed", "4"}};
        for (String[] change : changes) {
            CliRun o = CliRun.of("train", "--resume", ckpt.toString(), "--steps", "2", change[0], change[1]);
            assertEquals(2, o.code(), String.join(" ", change));
            String[] lines = o.err().strip().split("\n");
            assertEquals(1, lines.length, o.err());
            assertTrue(lines[0].startsWith("error: train: " + change[0] + " " + change[1] + " cannot change on --resume"), lines[0]);
        }
        assertTrue(Arrays.equals(before, Files.readAllBytes(ckpt)), "checkpoint untouched");
        assertEquals(1, Files.readAllLines(run.resolve("metrics.jsonl")).size(), "no step trained");
    }

    private static String withoutTiming(String line) { return line.replaceAll(",\"sec\":[0-9.eE+-]+", ""); }

    /** Byte equality of two checkpoints; on a difference, names the metadata and tensors that differ. */
    static void assertSameCheckpoint(Path a, Path b) throws Exception {
        if (Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b))) return;
        SafetensorsFile fa = Safetensors.read(a), fb = Safetensors.read(b);
        List<String> diff = new ArrayList<>();
        for (String k : fa.metadata().keySet())
            if (!Objects.equals(fa.metadata().get(k), fb.metadata().get(k)))
                diff.add("metadata " + k + ": " + fa.metadata().get(k) + " vs " + fb.metadata().get(k));
        int tensors = 0;
        for (String name : fa.names()) {
            HostArray x = fa.get(name), y = fb.contains(name) ? fb.get(name) : null;
            if (y == null || !Arrays.equals(x.data(), y.data())) {
                tensors++;
                if (tensors <= 5) diff.add("tensor " + name);
            }
        }
        fail(a + " and " + b + " differ: " + tensors + " of " + fa.names().size() + " tensors; " + String.join(", ", diff));
    }
}
