package imfengine.launcher;

import imfengine.testing.JarProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's first command, {@code java -jar target/imf-engine.jar --help}, on a machine whose default
 * {@code java} is 17: it re-launches under the JDK 25 it finds, or, with none to find, says in one line what to
 * install. Skipped (visibly) where no Java 17 is installed.
 */
class OlderJavaIT {
    static final Path JAVA17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    @Test void helpUnderJava17RunsOnAJdk25ItFinds() throws Exception {
        assumeTrue(Files.isExecutable(JAVA17), "no Java 17 at " + JAVA17);
        try (JarProcess p = JarProcess.start(JAVA17, List.of(), Map.of(), "--help")) {
            assertEquals(0, p.waitFor(JarProcess.PATIENCE), p.transcript());
            assertTrue(p.out().get(0).startsWith("imf-engine: train and sample"), p.transcript());
            assertFalse(String.join("\n", p.err()).contains("UnsupportedClassVersionError"), p.transcript());
        }
    }

    @Test void java17WithNoJdk25AroundSaysWhatToInstall(@TempDir Path empty) throws Exception {
        assumeTrue(Files.isExecutable(JAVA17), "no Java 17 at " + JAVA17);
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", null);
        env.put("PATH", empty.toString());
        try (JarProcess p = JarProcess.start(JAVA17, List.of("-Dimf.jdk.dirs=" + empty), env, "--help")) {
            assertEquals(1, p.waitFor(JarProcess.PATIENCE), p.transcript());
            assertEquals(List.of(), p.out());
            assertEquals(1, p.err().size(), p.transcript());
            String line = p.err().get(0);
            assertTrue(line.startsWith("error: imf-engine needs Java 25 or newer, this is Java 17"), line);
            assertTrue(line.contains("install one") && line.contains("JAVA_HOME"), line);
        }
    }
}
