package imfengine.tools;

import imfengine.io.Json;
import imfengine.testing.JarProcess;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The device check ({@code tools/gpu_check.py}) before a GPU minute is spent on it: a dry run against this build
 * (the jar, the test classes, the JUnit console Maven copied, the kernel emulator; PyTorch on the CPU) reports
 * every stage ok, a parity suite that passed case by case, a table row per batch with the engine's and
 * PyTorch's step, and a breakdown per kernel family; and a run in which nothing can start still reports every
 * stage, reruns the parity suite with CUDA_LAUNCH_BLOCKING=1 and exits 1, instead of stopping at the first failure.
 */
class GpuCheckIT {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final List<String> STAGES = List.of("environment", "parity", "nccl", "table_b1", "table_b2", "breakdown", "pytorch_b1", "pytorch_b2",
            "losscurve_fp32", "losscurve_bf16");

    @TempDir Path out;

    /** A python3 to run the script with (standard library only), or the test is skipped. */
    private static String python() {
        for (String p : new String[]{"python3", "/usr/bin/python3"}) if (runs(p, "-c", "import json, xml.etree.ElementTree")) return p;
        assumeTrue(false, "no python3 to run tools/gpu_check.py");
        return null;
    }

    /** The python3 with torch for the PyTorch stages, if there is one. */
    private static String torchPython() {
        for (String p : new String[]{"/usr/bin/python3", "python3"}) if (runs(p, "-c", "import torch")) return p;
        return null;
    }

    private static boolean runs(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        assumeTrue(v != null, "a process test: runs in `mvn verify` (make test), after the jar is built");
        return v;
    }

    private record Run(int code, String log, Map<String, Object> report) {}

    private Run check(String python, List<String> options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python, ROOT.resolve("tools/gpu_check.py").toString(), "--dry-run", "--out", out.toString(),
                "--java", JarProcess.java25().toString(), "--jar", JarProcess.jar().toString(), "--tests", property("imf.test.classes"), "--junit-console", property("imf.junit.console"),
                "--emu-dir", property("imf.emu.dir"), "--pytorch-script", ROOT.resolve("bench/pytorch/imf_step_bench.py").toString()));
        cmd.addAll(options);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolve("console.txt").toFile()).start();
        if (!p.waitFor(Duration.ofMinutes(8).toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("gpu_check.py --dry-run ran past 8 minutes\n" + Files.readString(out.resolve("console.txt")));
        }
        String log = Files.readString(out.resolve("console.txt"));
        Path json = out.resolve("gpu-check.json");
        assertTrue(Files.isRegularFile(json), "no gpu-check.json\n" + log);
        assertTrue(Files.isRegularFile(out.resolve("gpu-check.log")), "no gpu-check.log\n" + log);
        @SuppressWarnings("unchecked") Map<String, Object> report = (Map<String, Object>) Json.parse(Files.readString(json));
        return new Run(p.exitValue(), log, report);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) { return (Map<String, Object>) o; }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) { return (List<Object>) o; }

    private static Map<String, Object> stage(Run r, String name) {
        for (Object s : list(r.report().get("stages"))) if (name.equals(map(s).get("name"))) return map(s);
        fail("stage " + name + " not reported\n" + r.log());
        return null;
    }

    @Test void aDryRunReportsEveryStage() throws Exception {
        String torch = torchPython();
        Run r = check(python(), torch == null ? List.of() : List.of("--python", torch));
        for (String name : STAGES) {
            Map<String, Object> s = stage(r, name);
            if (name.startsWith("pytorch") && torch == null) assertEquals("skipped", s.get("status"), name + "\n" + r.log());
            else assertEquals("ok", s.get("status"), name + ": " + s + "\n" + r.log());
        }
        assertEquals(0, r.code(), r.log());
        assertEquals("emulated", map(map(r.report().get("environment")).get("info")).get("device"), r.log());

        Map<String, Object> parity = map(r.report().get("parity"));
        assertEquals("passed", parity.get("status"), r.log());
        Map<String, Object> nccl = map(r.report().get("nccl"));
        if (!"passed".equals(nccl.get("status"))) { // no libnccl.so.2 here (IMF_NCCL unset): skipped, saying why
            assertEquals("skipped", nccl.get("status"), r.log());
            assertTrue(String.valueOf(nccl.get("reason")).contains("libnccl.so.2") && r.log().contains("nccl: skipped — NCCL (libnccl.so.2) is not"),
                    nccl + "\n" + r.log());
        }
        Map<String, Object> run = map(list(parity.get("runs")).getFirst());
        List<Object> cases = list(run.get("cases"));
        assertEquals(run.get("tests"), (long) cases.size());
        assertTrue(cases.size() > 200, "every kernel × shape × pass is a case of its own: " + cases.size());
        assertTrue(cases.stream().anyMatch(c -> String.valueOf(map(c).get("name")).endsWith("attention vjp B=1 L=45 H=2 Dh=128")), "case names");
        assertEquals(1, list(parity.get("runs")).size(), "no rerun when everything passed");

        List<Object> rows = list(map(r.report().get("table")).get("rows"));
        assertEquals(2, rows.size());
        for (Object o : rows) {
            Map<String, Object> row = map(o), step = map(row.get("engine_step"));
            assertEquals("ok", step.get("status"), row.toString());
            for (String k : List.of("median_ms", "samples_per_s", "tflops", "flops_per_run", "bytes_up", "bytes_down", "peak_live_gib", "peak_reserved_gib"))
                assertNotNull(step.get(k), k + " in " + step);
            assertEquals(2L, step.get("uploads"), "a step uploads its batch and labels");
            assertEquals("ok", map(row.get("engine_sample")).get("status"));
            if (torch != null) {
                assertEquals("ok", map(row.get("pytorch_step")).get("status"), row.toString());
                assertTrue(((Number) row.get("ratio_engine_over_pytorch")).doubleValue() > 0, row.toString());
            }
        }
        Map<String, Object> profile = map(map(r.report().get("breakdown")).get("profile"));
        assertEquals("host clock", profile.get("clock"));
        List<Object> families = list(profile.get("families"));
        List<Object> names = families.stream().map(f -> map(f).get("name")).toList();
        for (String f : List.of("gemm", "attention", "rmsnorm", "optimizer", "philox", "memory")) assertTrue(names.contains(f), f + " in " + names);
        long calls = families.stream().mapToLong(f -> (Long) map(f).get("calls")).sum();
        assertEquals(profile.get("calls"), calls, "the families add up to every timed call");
        Map<String, Object> curves = map(r.report().get("losscurve"));
        for (String p : List.of("fp32", "bf16")) {
            Map<String, Object> lc = map(map(curves.get("runs")).get(p));
            assertEquals(3L, lc.get("steps"), p + ": " + lc);
            for (String k : List.of("mse_u_first", "mse_u_last", "mse_v_first", "mse_v_last")) {
                double v = ((Number) lc.get(k)).doubleValue();
                assertTrue(v > 0 && Double.isFinite(v), p + " " + k + ": " + lc);
            }
            List<String> csv = Files.readAllLines(out.resolve((String) lc.get("csv")));
            assertEquals("step,loss,mse_u,mse_v,sec", csv.getFirst());
            assertEquals(4, csv.size(), "a header and a row per step: " + csv);
        }
        String svg = Files.readString(out.resolve((String) curves.get("svg")));
        assertTrue(svg.startsWith("<svg") && svg.contains(">fp32</text>") && svg.contains(">bf16</text>") && svg.contains("<polyline"), svg);
        assertTrue(r.log().contains("loss curve bf16: 3 steps"), r.log());
        assertTrue(r.log().contains("==== summary"), r.log());
    }

    @Test void aRunWhereNothingStartsStillReportsEveryStage() throws Exception {
        Run r = check(python(), List.of("--java", "/bin/false", "--python", "/bin/false"));
        assertEquals(1, r.code(), r.log());
        for (String name : STAGES) assertFalse("ok".equals(stage(r, name).get("status")), name + " cannot be ok\n" + r.log());
        Map<String, Object> parity = map(r.report().get("parity"));
        List<Object> runs = list(parity.get("runs"));
        assertEquals(2, runs.size(), "a failed suite is run again");
        assertEquals(true, map(runs.get(1)).get("launch_blocking"));
        assertEquals("parity_blocking", map(runs.get(1)).get("stage"));
        assertEquals("no results", parity.get("status"));
        for (Object o : list(map(r.report().get("table")).get("rows"))) assertEquals(null, map(o).get("ratio_engine_over_pytorch"));
        assertTrue(list(r.report().get("stages_not_ok")).contains("breakdown"), r.log());
    }
}
