package imfengine.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which JDK the launcher picks from fake JDK folders (a release file and a bin/java each). */
class JdkFinderTest {
    static Path jdk(Path at, String version, String modules) throws Exception {
        Files.createDirectories(at.resolve("bin"));
        Path java = Files.writeString(at.resolve("bin/java"), "#!/bin/sh\n");
        assertTrue(java.toFile().setExecutable(true));
        String release = "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n" + (modules == null ? "" : "MODULES=\"" + modules + "\"\n");
        Files.writeString(at.resolve("release"), release);
        return at.toAbsolutePath().normalize();
    }

    @Test void newestSuitableJdkInTheFolders(@TempDir Path root) throws Exception {
        Path jvm = root.resolve("jvm");
        jdk(jvm.resolve("java-17-openjdk"), "17.0.15", "java.base jdk.incubator.vector");
        Path jdk25 = jdk(jvm.resolve("temurin-25"), "25.0.3", "java.base java.logging jdk.incubator.vector jdk.zipfs");
        jdk(jvm.resolve("trimmed-26"), "26", "java.base java.logging"); // a runtime without the Vector API module
        Files.createDirectories(jvm.resolve("not-a-jdk"));
        Path mac = jdk(root.resolve("mac/jdk-25.jdk/Contents/Home"), "25-ea", null);
        assertEquals(Optional.of(jdk25), new JdkFinder(null, null, List.of(jvm)).find(25).map(JdkFinder.Jdk::home));
        assertEquals(Optional.of(mac), new JdkFinder(null, null, List.of(root.resolve("mac"))).find(25).map(JdkFinder.Jdk::home));
        assertEquals(Optional.empty(), new JdkFinder(null, null, List.of(jvm)).find(27));
    }

    @Test void javaHomeThenPathThenFolders(@TempDir Path root) throws Exception {
        Path old = jdk(root.resolve("old"), "17", null);
        Path home = jdk(root.resolve("home"), "25.0.1", null);
        Path onPath = jdk(root.resolve("onpath"), "25.0.2", null);
        Path newest = jdk(root.resolve("jvm/jdk-26"), "26.0.1", null);
        Path bin = Files.createDirectories(root.resolve("usr-bin"));
        Files.createSymbolicLink(bin.resolve("java"), onPath.resolve("bin/java")); // as /usr/bin/java -> alternatives -> JDK
        String path = root.resolve("nothing-here") + File.pathSeparator + bin;
        List<Path> folders = List.of(root.resolve("jvm"));
        assertEquals(home, new JdkFinder(home.toString(), path, folders).find(25).orElseThrow().home());
        assertEquals(onPath, new JdkFinder(old.toString(), path, folders).find(25).orElseThrow().home(), "JAVA_HOME too old");
        assertEquals(newest, new JdkFinder(old.toString(), root.toString(), folders).find(25).orElseThrow().home());
        assertEquals(newest.resolve("bin/java"), new JdkFinder(null, null, folders).find(25).orElseThrow().java());
    }

    @Test void featureVersions() {
        assertEquals(25, JdkFinder.feature("25"));
        assertEquals(25, JdkFinder.feature("25.0.3"));
        assertEquals(26, JdkFinder.feature("26-ea"));
        assertEquals(1, JdkFinder.feature("1.8.0_402"));
        assertEquals(0, JdkFinder.feature("x"));
    }

    @Test void theOneLineForAnOlderJava() {
        String none = Launcher.olderJavaMessage("17.0.15", "/usr/lib/jvm/java-17", Optional.empty());
        assertEquals("error: imf-engine needs Java 25 or newer, this is Java 17.0.15 (/usr/lib/jvm/java-17); no JDK 25 in JAVA_HOME,"
                + " on the PATH or in the usual folders: install one (e.g. Temurin 25 from https://adoptium.net) and set JAVA_HOME to it", none);
        String found = Launcher.olderJavaMessage("17.0.15", "/j17", Optional.of(Path.of("/opt/jdk-25/bin/java")));
        assertTrue(found.endsWith(": run it with /opt/jdk-25/bin/java --add-modules=jdk.incubator.vector -jar imf-engine.jar"), found);
        assertTrue(!none.contains("\n") && !found.contains("\n"));
    }
}
