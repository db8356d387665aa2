package imfengine.cli;

import imfengine.testing.SyntheticMnist;
import imfengine.io.Npy;
import imfengine.io.NpyArray;
import imfengine.imf.Checkpoint;
import imfengine.io.SafetensorsFile;
import imfengine.backend.cuda.emu.EmulatedDevice;
import imfengine.backend.cuda.emu.EmulatorLibrary;
import imfengine.testing.FakeNccl;
import imfengine.testing.JarProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code train} as 2 ranks of Open MPI's {@code mpirun} (docs/DISTRIBUTED.md), through the jar, 1 thread each,
 * batch 8 (4 per rank), xs on 20 made-up digits. Where {@code mpirun} is missing the tests skip and say so,
 * unless {@code IMF_REQUIRE_MPI=1} (CI, whose {@code .ci/run} installs Open MPI): then they fail.
 * <p>The settings below are those a container needs, and docs/DISTRIBUTED.md explains each: root is allowed,
 * no core binding (a JVM's compiler and GC threads would share its one core), and Open MPI's shared-memory
 * transport copies through its own buffer rather than with {@code process_vm_readv}, which containers often forbid.
 */
class MpiTrainingIT {
    /** The acceptance bound: a killed rank's job ends this soon. */
    static final Duration STOPS_WITHIN = Duration.ofSeconds(10);
    /** Parameters after k steps on 2 ranks vs 1 (float summation order only): |Δ| ≤ TOL · max|tensor| per tensor. */
    static final double TOL = 1e-5;
    static final List<String> JVM = List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED");
    static final Map<String, String> ENV = Map.of("OMPI_ALLOW_RUN_AS_ROOT", "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1",
            "OMPI_MCA_btl_vader_single_copy_mechanism", "none");

    @TempDir static Path dir;
    static Path mnist, mpirun;

    @BeforeAll static void setUp() throws Exception {
        JarProcess.jar(); // skips outside `mvn verify`
        mpirun = findMpirun();
        mnist = SyntheticMnist.write(dir.resolve("mnist.bin"), 20, 31);
    }

    static Path findMpirun() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, "mpirun");
            if (Files.isExecutable(p)) return p;
        }
        String why = "Open MPI's mpirun is not on the PATH: the 2-rank training tests are skipped (apt-get install openmpi-bin libopenmpi3)";
        if ("1".equals(System.getenv("IMF_REQUIRE_MPI"))) fail(why.replace("are skipped", "cannot run") + "; IMF_REQUIRE_MPI=1 requires them");
        System.out.println("MpiTrainingIT: " + why);
        assumeTrue(false, why);
        return null;
    }

    static String[] train(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", mnist.toString(), "--batch", "8", "--threads", "1", "--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static List<String> mpirun(int ranks) {
        return List.of(mpirun.toString(), "--oversubscribe", "--bind-to", "none", "-np", "" + ranks);
    }

    @Test void twoRanksMatchOneRankStopTogetherWhenOneIsKilledAndResumeOnOne() throws Exception {
        Path two = dir.resolve("two-ranks"), ckpt = two.resolve("checkpoint.safetensors");
        long k;
        try (JarProcess p = JarProcess.startUnder(mpirun(2), JarProcess.java25(), JVM, ENV,
                train(two, "--steps", "100000", "--checkpoint-every", "3", "--log-every", "1"))) {
            p.awaitErr(l -> l.startsWith("step 3/100000 "), JarProcess.PATIENCE); // the metrics of step 3 are read back, then it saves
            awaitFile(ckpt, p);
            ProcessHandle rank1 = rank(p, 1);
            List<ProcessHandle> tree = p.descendants();
            rank1.destroyForcibly(); // SIGKILL
            long t0 = System.nanoTime();
            assertTrue(p.process().waitFor(STOPS_WITHIN.toMillis(), TimeUnit.MILLISECONDS),
                    "mpirun still running " + STOPS_WITHIN + " after rank 1 was killed\n" + p.transcript());
            double seconds = (System.nanoTime() - t0) / 1e9;
            int code = p.waitFor(JarProcess.PATIENCE);
            assertNotEquals(0, code, p.transcript());
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (tree.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) Thread.sleep(50);
            assertTrue(tree.stream().noneMatch(ProcessHandle::isAlive), "a rank survived mpirun by 5 s");
            assertTrue(p.err().stream().anyMatch(l -> l.contains("process rank 1") && l.contains("signal 9")),
                    "mpirun names the rank that died\n" + p.transcript());
            System.out.printf("MpiTrainingIT: rank 1 killed, mpirun exited %d after %.1f s%n", code, seconds);
        }
        k = Long.parseLong(Checkpoint.open(ckpt).metadata().get("step")); // the last good checkpoint is whole
        assertTrue(k >= 3 && k % 3 == 0, "checkpoint at step " + k);

        Path one = dir.resolve("one-rank");
        try (JarProcess p = JarProcess.start(JarProcess.java25(), JVM, Map.of(), train(one, "--steps", "" + k, "--checkpoint-every", "0"))) {
            assertEquals(0, p.waitFor(JarProcess.PATIENCE), p.transcript());
        }
        double worst = compare(Checkpoint.open(one.resolve("checkpoint.safetensors")), Checkpoint.open(ckpt));
        System.out.printf("MpiTrainingIT: after %d steps, 2 ranks vs 1: max |Δ| / max|tensor| = %.2e (bound %.0e)%n", k, worst, TOL);
        List<String> a = Files.readAllLines(one.resolve("metrics.jsonl")), b = Files.readAllLines(two.resolve("metrics.jsonl"));
        for (int i = 0; i < k; i++) {
            double[] want = losses(a.get(i)), got = losses(b.get(i));
            for (int j = 0; j < want.length; j++)
                assertEquals(want[j], got[j], 2e-5 * Math.abs(want[j]), "metrics line " + (i + 1) + ": " + a.get(i) + " vs " + b.get(i));
        }

        // the 2-rank run's checkpoint continues on 1 rank
        try (JarProcess p = JarProcess.start(JarProcess.java25(), JVM, Map.of(), "train", "--resume", ckpt.toString(), "--steps", "" + (k + 1))) {
            assertEquals(0, p.waitFor(JarProcess.PATIENCE), p.transcript());
        }
        assertEquals("" + (k + 1), Checkpoint.open(ckpt).metadata().get("step"));
    }

    @Test void ranksStartedWithDifferentSeedsStopAtTheSyncCheck() throws Exception {
        Path out = dir.resolve("desync");
        List<String> cmd = new ArrayList<>(mpirun(1));
        cmd.add(JarProcess.java25().toString());
        cmd.addAll(JVM);
        cmd.addAll(List.of("-jar", JarProcess.jar().toString()));
        cmd.addAll(List.of(train(out, "--steps", "2", "--seed", "1")));
        cmd.addAll(List.of(":", "-np", "1")); // MPMD: rank 1 runs the same but for the seed
        try (JarProcess p = JarProcess.startUnder(cmd, JarProcess.java25(), JVM, ENV, train(out, "--steps", "2", "--seed", "2"))) {
            int code = p.waitFor(JarProcess.PATIENCE);
            assertNotEquals(0, code, p.transcript());
            assertTrue(p.err().stream().anyMatch(l -> l.startsWith("error: train: the ranks' parameters differ after step 1")), p.transcript());
            assertTrue(!Files.exists(out.resolve("checkpoint.safetensors")), "nothing written");
        }
    }

    /**
     * {@code --device emulated} on 2 ranks: the CUDA backend on the kernel emulator, the gradients summed by
     * {@code ncclAllReduce} of the fake {@code libnccl.so.2} ({@link FakeNccl}, found through {@code IMF_NCCL}), which
     * reduces the emulated device's host memory with {@code MPI_Allreduce} and checks that every rank holds rank 0's
     * unique id. 2 steps give the 1-rank run's parameters (no NCCL there) up to summation order. The real NCCL path
     * differs in the library only: on a GPU the same calls go to the real {@code libnccl.so.2}.
     */
    @Test void twoEmulatedGpuRanksSumTheirGradientsThroughNccl() throws Exception {
        assumeTrue(EmulatedDevice.available(), "no kernel emulator (make emu)");
        FakeNccl fake = FakeNccl.build(Files.createDirectories(dir.resolve("nccl")));
        List<String> jvm = new ArrayList<>(JVM);
        jvm.add("-Dimf.emu.dir=" + EmulatorLibrary.directory().toAbsolutePath());
        Map<String, String> env = new java.util.HashMap<>(ENV);
        env.put("IMF_NCCL", fake.library().toString());
        // the tiny preset (8×8×1, 3 classes) keeps the emulated steps and the final sample grid to seconds; no warmup,
        // so each step moves every weight by about the learning rate, far above summation-order differences
        int n = 12;
        float[] px = new float[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < px.length; i++) px[i] = (float) Math.sin(i * 0.37);
        for (int i = 0; i < n; i++) labels[i] = i % 3;
        Path tiny = dir.resolve("tiny.npy"), tinyLabels = dir.resolve("tiny.labels.npy");
        Npy.write(tiny, NpyArray.ofF32(new int[]{n, 8, 8, 1}, px));
        Npy.write(tinyLabels, NpyArray.ofI32(new int[]{n}, labels));
        java.util.function.Function<Path, String[]> emulated = out -> new String[]{"train", "--preset", "tiny", "--data", tiny.toString(),
                "--labels", tinyLabels.toString(),
                "--batch", "8", "--threads", "1", "--out", out.toString(), "--steps", "3", "--warmup", "0", "--checkpoint-every", "0",
                "--device", "emulated", "--precision", "fp32"};
        Path two = dir.resolve("nccl-two"), one = dir.resolve("nccl-one");
        try (JarProcess p = JarProcess.startUnder(mpirun(2), JarProcess.java25(), jvm, env, emulated.apply(two))) {
            assertEquals(0, p.waitFor(JarProcess.PATIENCE), p.transcript());
            assertTrue(p.err().stream().anyMatch(l -> l.contains("batch 8 over 2 ranks")), p.transcript());
        }
        try (JarProcess p = JarProcess.start(JarProcess.java25(), jvm, Map.of(), emulated.apply(one))) {
            assertEquals(0, p.waitFor(JarProcess.PATIENCE), p.transcript());
        }
        double worst = compare(Checkpoint.open(one.resolve("checkpoint.safetensors")), Checkpoint.open(two.resolve("checkpoint.safetensors")));
        System.out.printf("MpiTrainingIT: emulated CUDA, 2 ranks through the fake NCCL vs 1 rank, 3 steps: max |Δ| / max|tensor| = %.2e (bound %.0e)%n",
                worst, TOL);
        List<String> a = Files.readAllLines(one.resolve("metrics.jsonl")), b = Files.readAllLines(two.resolve("metrics.jsonl"));
        assertEquals(3, b.size());
        for (int i = 0; i < 3; i++) { // the logged losses are summed over the ranks through NCCL too
            double[] want = losses(a.get(i)), got = losses(b.get(i));
            for (int j = 0; j < want.length; j++)
                assertEquals(want[j], got[j], 2e-5 * Math.abs(want[j]), "metrics line " + (i + 1) + ": " + a.get(i) + " vs " + b.get(i));
        }

        // without a libnccl the ranks stop with one line naming it and the variable, before any step
        env.put("IMF_NCCL", dir.resolve("no-such-libnccl.so.2").toString());
        Path none = dir.resolve("nccl-none");
        try (JarProcess p = JarProcess.startUnder(mpirun(2), JarProcess.java25(), jvm, env, emulated.apply(none))) {
            assertNotEquals(0, p.waitFor(JarProcess.PATIENCE), p.transcript());
            assertTrue(p.err().stream().anyMatch(l -> l.startsWith("error: train: 2 ranks on --device emulated sum their gradients with NCCL, "
                    + "but NCCL (libnccl.so.2) is not available: tried IMF_NCCL=")), p.transcript());
            assertTrue(!Files.exists(none.resolve("checkpoint.safetensors")), "nothing written");
        }
    }

    /** The largest |Δ| / max|tensor| over the parameters and EMA weights; fails above {@link #TOL}. */
    static double compare(SafetensorsFile want, SafetensorsFile got) {
        double worst = 0;
        for (String name : want.names()) {
            if (name.startsWith(Checkpoint.ADAM_M) || name.startsWith(Checkpoint.ADAM_V)) continue;
            float[] w = want.get(name).data(), g = got.get(name).data();
            double max = 0, diff = 0;
            for (int i = 0; i < w.length; i++) {
                max = Math.max(max, Math.abs(w[i]));
                diff = Math.max(diff, Math.abs(w[i] - g[i]));
            }
            double rel = max == 0 ? diff : diff / max;
            assertTrue(rel <= TOL, name + ": max |Δ| " + diff + " over max " + max);
            worst = Math.max(worst, rel);
        }
        return worst;
    }

    /** loss, mse_u, mse_v of a metrics.jsonl line (printed to 6 digits). */
    static double[] losses(String jsonLine) {
        double[] out = new double[3];
        String[] keys = {"loss", "mse_u", "mse_v"};
        for (int j = 0; j < 3; j++) {
            Matcher m = Pattern.compile("\"" + keys[j] + "\":([-0-9.e+]+)").matcher(jsonLine);
            assertTrue(m.find(), keys[j] + " in " + jsonLine);
            out[j] = Double.parseDouble(m.group(1));
        }
        return out;
    }

    /** The training JVM of rank {@code r} among mpirun's descendants (Open MPI puts the rank in its environment). */
    static ProcessHandle rank(JarProcess p, int r) throws IOException {
        for (ProcessHandle h : p.descendants()) {
            Path env = Path.of("/proc", "" + h.pid(), "environ");
            if (!Files.isReadable(env)) continue;
            String e = new String(Files.readAllBytes(env));
            if (("\0" + e).contains("\0OMPI_COMM_WORLD_RANK=" + r + "\0") && h.info().command().orElse("").endsWith("java")) return h;
        }
        fail("no process of rank " + r + " under mpirun\n" + p.transcript());
        return null;
    }

    static void awaitFile(Path f, JarProcess p) throws InterruptedException {
        long deadline = System.nanoTime() + JarProcess.PATIENCE.toNanos();
        while (!Files.exists(f)) {
            if (System.nanoTime() > deadline || !p.process().isAlive()) fail("no " + f + "\n" + p.transcript());
            Thread.sleep(50);
        }
    }
}
