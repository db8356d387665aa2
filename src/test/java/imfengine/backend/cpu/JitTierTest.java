package imfengine.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CPU kernels give the same bits whether the JVM interprets them or runs them compiled: the
 * Vector API's Java fallbacks (interpreter, C1) and C2's intrinsics may round differently (an FP
 * lane sum's order, the exp of SVML), so a kernel that leaned on either would give a result that
 * depends on when its method got compiled. {@link KernelFingerprint} runs in two fresh JVMs: one
 * with {@code -Xint}, one warmed up until the kernels are compiled by C2 (checked in its
 * {@code -XX:+PrintCompilation} log), and each family's output hashes must agree.
 */
class JitTierTest {
    @TempDir Path dir;
    /** Enough rounds for C2 to compile every SIMD kernel method (all did by 1000 in a trial). */
    private static final int WARM_ROUNDS = 1500;
    /**
     * Methods that must have reached tier 4 (C2) in the warmed JVM for the comparison to mean anything;
     * also the machine's GEMM tile kernels ({@link #gemmKernels}).
     */
    private static final List<String> MUST_BE_COMPILED = List.of("VectorMath::expShifted", "AttentionSimd::backward",
            "AttentionSimd::keysPair", "AttentionSimd::scoresFive", "Transpose16::block", "SoftmaxSimd::row", "RmsNormSimd::forwardRows4", "RmsNormSimd::backwardRows4", "ReductionSimd::sum",
            "ElementwiseSimd::unary", "SwigluSimd::dual");

    @Test void kernelsGiveTheSameBitsInterpretedAndCompiled() throws Exception {
        assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        run("-Xint", 1, dir.resolve("interpreted.txt"));
        List<String> interpreted = Files.readAllLines(dir.resolve("interpreted.txt"));
        List<String> compileLog = run("-XX:+PrintCompilation", WARM_ROUNDS, dir.resolve("compiled.txt"));
        List<String> compiled = Files.readAllLines(dir.resolve("compiled.txt"));
        Set<String> notCompiled = new TreeSet<>(MUST_BE_COMPILED);
        notCompiled.addAll(gemmKernels());
        for (String line : compileLog)
            if (line.matches("\\s*\\d+\\s+\\d+\\s+[%sbn! ]*4\\s+.*")) notCompiled.removeIf(m -> line.contains("backend.cpu." + m + " "));
        assertTrue(notCompiled.isEmpty(), "the warm-up did not get these compiled by C2: " + notCompiled);

        Map<String, String> reference = hashes(interpreted, "cold");
        assertEquals(10, reference.size(), String.join("\n", interpreted));
        assertEquals(List.of(), differing(reference, hashes(compiled, "cold")), "families whose first calls in a JVM with a JIT differ from -Xint");
        assertEquals(List.of(), differing(reference, hashes(compiled, "hot")), "families whose C2-compiled kernels differ from -Xint");
    }

    /**
     * The full-tile GEMM kernels this machine's vector width and vendor select: 4 rows, 12 (Intel), or 8 rows from packed panels
     * and, where A is read in place (AMD), in place too (the fingerprint's ragged last row panels are packed). The
     * fingerprint's JVM makes the same choice as this one: same CPU, no {@code imf.gemm.*} properties.
     */
    private static List<String> gemmKernels() {
        if (GemmSimd.MR == 12) return List.of("GemmSimd::kernel12x2Packed");
        if (GemmSimd.MR != 8) return List.of("GemmSimd::kernel4x2");
        return GemmSimd.READS_A_IN_PLACE ? List.of("GemmSimd::kernel8x2", "GemmSimd::kernel8x2Packed") : List.of("GemmSimd::kernel8x2Packed");
    }

    private static List<String> differing(Map<String, String> reference, Map<String, String> other) {
        return reference.keySet().stream().filter(f -> !reference.get(f).equals(other.get(f))).toList();
    }

    /** Runs {@link KernelFingerprint} in a new JVM that writes its hash lines to {@code hashes}; returns the JVM's own output. */
    private static List<String> run(String vmOption, int rounds, Path hashes) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), vmOption,
                "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                KernelFingerprint.class.getName(), "" + rounds, hashes.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> log = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), String.join("\n", log));
        return log;
    }

    /** family → hash from the lines {@code <which> FAMILY HASH}. */
    private static Map<String, String> hashes(List<String> lines, String which) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : lines) {
            String[] f = l.split(" ");
            if (f.length == 3 && f[0].equals(which)) m.put(f[1], f[2]);
        }
        return m;
    }
}
