package imfengine.cli;

import imfengine.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench --json}, {@code --max-time} and {@code --profile}'s checks: what the device check reads from bench. (A
 * profiled step under the emulator, {@code --device emulated --profile}, runs in GpuCheckIT's dry run.)
 */
class BenchJsonTest {
    @TempDir Path dir;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) { return (Map<String, Object>) o; }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) { return (List<Object>) o; }

    /** A {@code bench} run that exited 0, with the JSON it wrote. */
    private record Bench(CliRun run, Map<String, Object> json) {}

    /** Runs {@code bench} on the tiny preset, one thread, with {@code args} and {@code --json}; expects exit code 0. */
    private Bench bench(String... args) throws Exception {
        Path f = dir.resolve("bench.json");
        List<String> argv = new ArrayList<>(List.of("bench", "--preset", "tiny", "--threads", "1"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--json", f.toString()));
        CliRun o = CliRun.of(argv.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        return new Bench(o, map(Json.parse(Files.readString(f))));
    }

    @Test void theJsonHasTheSettingsAndARowPerMeasurement() throws Exception {
        Bench b = bench("--batch", "3", "--warmup", "1", "--repeats", "3", "--peak-gflops", "50");
        Map<String, Object> j = b.json();
        assertEquals(1L, j.get("format"));
        assertEquals("tiny", j.get("preset"));
        assertEquals(3L, j.get("batch"));
        assertEquals("cpu", j.get("device"));
        assertEquals("fp32", j.get("precision"));
        assertEquals(0.05, j.get("peak_tflops"));
        List<Object> rows = list(j.get("rows"));
        assertEquals(List.of("train_step", "sample_1nfe"), rows.stream().map(r -> map(r).get("what")).toList());
        Map<String, Object> step = map(rows.getFirst());
        assertEquals("ok", step.get("status"));
        assertEquals(1L, step.get("warmups"));
        assertEquals(3L, step.get("runs"));
        assertEquals(2L, step.get("uploads"), "the batch and its labels");
        assertEquals(0L, step.get("downloads"), "nothing of a step comes back");
        assertEquals(0L, step.get("bytes_down"));
        assertEquals(3L * 8 * 8 * 4 + 3 * 4, step.get("bytes_up"), "images and labels, 4 bytes each");
        double median = ((Number) step.get("median_ms")).doubleValue(), tflops = ((Number) step.get("tflops")).doubleValue();
        assertEquals(((Number) step.get("flops_per_run")).doubleValue() / (median * 1e9), tflops, 1e-4 * tflops); // 6 digits written
        assertEquals(tflops / 0.05, ((Number) step.get("mfu")).doubleValue(), 1e-3 * tflops / 0.05);
        assertNotNull(step.get("peak_live_gib"));
        assertTrue(((Number) step.get("heap_allocated_mib_per_run")).doubleValue() > 0, "a step allocates some heap (tapes, tensors)");
        assertEquals(false, step.get("boxed_kernel_suspected"));
        assertFalse(b.run().out().contains("without its intrinsics"), b.run().out());
        assertNull(step.get("peak_gflops_around_runs"), "a given peak is not measured");
        assertNull(step.get("peak_reserved_gib"), "only a CUDA device has memory reserved from a driver");
        assertTrue(b.run().out().contains("2 up 0 down 780 B"), b.run().out());
    }

    @Test void runsShorterThanASecondKeepTheFirstPeakReading() throws Exception {
        Bench b = bench("--batch", "2", "--warmup", "3", "--repeats", "2", "--what", "step"); // the last warm-up run warm: milliseconds
        Map<String, Object> j = b.json();
        assertTrue(((String) j.get("peak_source")).startsWith("measured"), (String) j.get("peak_source"));
        Map<String, Object> step = map(list(j.get("rows")).getFirst());
        double first = 1000 * ((Number) j.get("peak_tflops")).doubleValue(), tflops = ((Number) step.get("tflops")).doubleValue();
        assertEquals(1000 * tflops / first, ((Number) step.get("mfu")).doubleValue(), 1e-3 * tflops / first * 1000);
        assertNull(step.get("peak_gflops_around_runs"), "a tiny step takes milliseconds: no readings around its runs");
        assertFalse(b.run().out().contains("peak around the runs"), b.run().out());
    }

    @Test void aTimeLimitStopsARowAfterItsFirstWarmUpAndFirstTimedRun() throws Exception {
        Map<String, Object> step = map(list(bench("--batch", "2", "--warmup", "3", "--repeats", "5", "--peak-gflops", "50",
                "--what", "step", "--max-time", "1ms").json().get("rows")).getFirst());
        assertEquals(1L, step.get("warmups"));
        assertEquals(1L, step.get("runs"));
    }

    @Test void theProfileNeedsATrainingStep() {
        CliRun sample = CliRun.of("bench", "--preset", "tiny", "--profile", "--what", "sample");
        assertEquals(2, sample.code());
        assertTrue(sample.err().contains("--profile times a training step"), sample.err());
        CliRun steps = CliRun.of("bench", "--preset", "tiny", "--profile-steps", "3");
        assertEquals(2, steps.code());
        assertEquals("error: bench: --profile-steps needs --profile", steps.err().strip());
        CliRun kernels = CliRun.of("bench", "--preset", "tiny", "--profile-kernels", "3");
        assertEquals(2, kernels.code());
        assertEquals("error: bench: --profile-kernels needs --profile", kernels.err().strip());
    }

    /** On the CPU the profile times backend calls: GEMMs and attention with their flops, the rest without; all inside the wall time. */
    @Test void theCpuProfileTimesEveryBackendCallOfOneStep() throws Exception {
        Bench b = bench("--batch", "2", "--warmup", "1", "--repeats", "1", "--what", "step", "--peak-gflops", "50", "--profile",
                "--profile-steps", "3", "--profile-kernels", "4");
        Map<String, Object> p = map(b.json().get("profile"));
        assertEquals("host clock", p.get("clock"));
        double wall = ((Number) p.get("wall_ms")).doubleValue(), busy = ((Number) p.get("busy_ms")).doubleValue();
        assertTrue(busy > 0 && busy <= wall, busy + " ms busy in " + wall + " ms");
        List<Map<String, Object>> families = list(p.get("families")).stream().map(BenchJsonTest::map).toList();
        Map<String, Map<String, Object>> byName = new java.util.HashMap<>();
        for (Map<String, Object> f : families) byName.put((String) f.get("name"), f);
        for (String f : List.of("gemm", "attentionDual", "attentionBackward", "rmsNormBackward", "adamw", "allocate"))
            assertTrue(byName.containsKey(f), f + " missing from " + byName.keySet());
        assertTrue(((Number) byName.get("gemm").get("tflops")).doubleValue() > 0, "GEMMs count their flops");
        assertTrue(((Number) byName.get("attentionBackward").get("tflops")).doubleValue() > 0, "attention counts its flops");
        assertNull(byName.get("rmsNormBackward").get("tflops"), "a normalisation issues no matrix flops");
        assertFalse(byName.containsKey("matrixFlops"), "the counters a bench reads are not timed");
        long calls = families.stream().mapToLong(f -> ((Number) f.get("calls")).longValue()).sum();
        assertEquals(calls, ((Number) p.get("calls")).longValue());
        // each family's calls come from its median run, the allocations are their own median: the two need not be
        // the same step's
        assertTrue(((Number) byName.get("allocate").get("calls")).longValue() > 0 && ((Number) p.get("device_allocations")).longValue() > 0);
        assertTrue(list(p.get("kernels")).stream().map(k -> (String) map(k).get("name")).anyMatch(n -> n.startsWith("gemm ") && n.contains("x")),
                "GEMM kernels are named by shape");
        assertTrue(b.run().out().contains("profile of a step, medians of 3 (host clock)") && b.run().out().contains("backend calls"), b.run().out());
        String listed = b.run().out().substring(b.run().out().indexOf("kernel (4 slowest)"));
        assertEquals(4, listed.lines().skip(1).takeWhile(l -> l.startsWith("  ")).count(), "--profile-kernels 4: four kernels\n" + listed);
        assertFalse(b.run().out().contains("replicas:"), "one copy of the model: no replicas' wait\n" + b.run().out());
    }

    /** With replicas the profile is replica 0's, and a line gives how long the first at the gradient sum waited. */
    @Test void theProfileOfReplicasSaysHowLongTheyWaited() throws Exception {
        CliRun run = CliRun.of("bench", "--preset", "tiny", "--threads", "2", "--batch", "4", "--replicas", "2", "--warmup", "1",
                "--repeats", "1", "--what", "step", "--peak-gflops", "50", "--profile", "--profile-steps", "3", "--profile-kernels", "1");
        assertEquals(0, run.code(), run.err());
        String out = run.out();
        assertTrue(out.contains("profile: the backend calls of replica 0 of 2"), out);
        assertTrue(out.matches("(?s).*\nreplicas: the one first at the gradient sum waited \\d+\\.\\d ms a step for the others \\(median of 3; "
                + "\\d+\\.\\d-\\d+\\.\\d\\)\n.*"), out);
    }
}
