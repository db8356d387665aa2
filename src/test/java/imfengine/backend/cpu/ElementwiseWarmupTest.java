package imfengine.backend.cpu;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ElementwiseWarmup} alone gets the elementwise loops compiled by C2: a fresh JVM runs it with
 * {@code -Xbatch} (each compilation finishes before the calls go on) and its {@code -XX:+PrintCompilation}
 * log must show every loop at tier 4. Fails if the warm-up makes too few calls, or skips an op's method.
 */
class ElementwiseWarmupTest {
    private static final List<String> LOOPS = List.of("ElementwiseSimd::unary", "ElementwiseSimd::unaryDerivative",
            "ElementwiseSimd::binaryVV", "ElementwiseSimd::binaryVS", "ElementwiseSimd::axpby", "ElementwiseSimd::siluLoop",
            "ElementwiseSimd::sigmoidLoop", "ElementwiseSimd::siluDerivativeLoop");

    /** What the probe JVM runs. */
    public static void main(String[] args) { ElementwiseWarmup.run(); }

    @Test void theWarmUpAloneGetsEveryElementwiseLoopCompiledByC2() throws Exception {
        assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xbatch",
                "-XX:+PrintCompilation", "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                ElementwiseWarmupTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> log = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), String.join("\n", log));
        Set<String> notCompiled = new TreeSet<>(LOOPS);
        for (String line : log)
            if (line.matches("\\s*\\d+\\s+\\d+\\s+[sbn! ]*4\\s+.*")) notCompiled.removeIf(m -> line.contains("backend.cpu." + m + " "));
        assertTrue(notCompiled.isEmpty(), "not compiled by C2 after the warm-up: " + notCompiled);
    }

    /** What bench waits on before it measures: the warm-up started by a backend ends, and says so. */
    @Test void aBenchmarkCanWaitForTheWarmUpToEnd() throws Exception {
        assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        assertTrue(new CpuBackend(1, true).awaitKernelWarmup(120_000), "the warm-up did not end within 2 minutes");
    }
}
