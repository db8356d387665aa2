package imfengine.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finds an installed JDK of a given feature version without starting it: a JDK's {@code release} file names
 * its version ({@code JAVA_VERSION="25.0.3"}) and modules. Looked at in this order, the first that fits wins:
 * {@code JAVA_HOME}, each {@code java} on the {@code PATH} (links resolved), then the newest in the usual
 * folders (Linux packages, macOS, SDKMAN!, IntelliJ, asdf, mise). The system property {@code imf.jdk.dirs}
 * (folders separated by {@link File#pathSeparator}) replaces the usual folders, e.g. to rule them out.
 */
final class JdkFinder {
    /** A JDK home and its feature version (25 for 25.0.3). */
    record Jdk(Path home, int feature) {
        Path java() { return home.resolve("bin").resolve(File.separatorChar == '\\' ? "java.exe" : "java"); }
    }

    private final String javaHome, path;
    private final List<Path> folders;

    JdkFinder(String javaHome, String path, List<Path> folders) {
        this.javaHome = javaHome;
        this.path = path;
        this.folders = folders;
    }

    static JdkFinder fromEnvironment() {
        String dirs = System.getProperty("imf.jdk.dirs");
        List<Path> folders = new ArrayList<>();
        if (dirs != null) {
            for (String d : dirs.split(File.pathSeparator)) if (!d.isBlank()) folders.add(Path.of(d));
        } else {
            Path home = Path.of(System.getProperty("user.home", "/"));
            for (String d : new String[]{"/usr/lib/jvm", "/usr/java", "/usr/local/java", "/opt/java", "/opt/jdk", "/opt",
                    "/Library/Java/JavaVirtualMachines"}) folders.add(Path.of(d));
            for (String d : new String[]{".sdkman/candidates/java", ".jdks", ".asdf/installs/java", ".local/share/mise/installs/java"})
                folders.add(home.resolve(d));
        }
        return new JdkFinder(System.getenv("JAVA_HOME"), System.getenv("PATH"), folders);
    }

    /** The JDK to use, of version {@code minFeature} or newer. */
    Optional<Jdk> find(int minFeature) {
        if (javaHome != null && !javaHome.isBlank()) {
            Optional<Jdk> j = inspect(Path.of(javaHome)).filter(x -> x.feature() >= minFeature);
            if (j.isPresent()) return j;
        }
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isBlank()) continue;
                Path java = Path.of(dir, File.separatorChar == '\\' ? "java.exe" : "java");
                try {
                    if (!Files.isExecutable(java)) continue;
                    Path home = java.toRealPath().getParent().getParent(); // <home>/bin/java
                    Optional<Jdk> j = home == null ? Optional.empty() : inspect(home).filter(x -> x.feature() >= minFeature);
                    if (j.isPresent()) return j;
                } catch (IOException | RuntimeException e) {
                    // a broken link or odd PATH entry: look further
                }
            }
        }
        List<Jdk> found = new ArrayList<>();
        for (Path folder : folders) {
            if (!Files.isDirectory(folder)) continue;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
                for (Path d : ds) {
                    inspect(d).ifPresent(found::add);
                    inspect(d.resolve("Contents").resolve("Home")).ifPresent(found::add); // macOS bundles
                }
            } catch (IOException | RuntimeException e) {
                // an unreadable folder: skip it
            }
        }
        // the newest; among equals the one whose path sorts first, so the choice does not depend on listing order
        return found.stream().filter(j -> j.feature() >= minFeature)
                .min(Comparator.comparingInt(Jdk::feature).reversed().thenComparing(j -> j.home().toString()));
    }

    /**
     * The JDK at {@code home}: it needs an executable {@code bin/java} and a {@code release} file; one whose
     * {@code MODULES} line lacks {@code jdk.incubator.vector} (a trimmed runtime) does not count, because the
     * re-launch adds that module.
     */
    static Optional<Jdk> inspect(Path home) {
        try {
            Path release = home.resolve("release");
            if (!Files.isRegularFile(release)) return Optional.empty();
            Jdk jdk = null;
            boolean vector = true;
            for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    int f = feature(unquote(line.substring("JAVA_VERSION=".length())));
                    if (f > 0) jdk = new Jdk(home.toAbsolutePath().normalize(), f);
                } else if (line.startsWith("MODULES=")) {
                    vector = (" " + unquote(line.substring("MODULES=".length())) + " ").contains(" jdk.incubator.vector ");
                }
            }
            if (jdk == null || !vector || !Files.isExecutable(jdk.java())) return Optional.empty();
            return Optional.of(jdk);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** 25 for "25", "25.0.3", "25-ea"; 1 for "1.8.0_402" (older than anything we look for); 0 when unreadable. */
    static int feature(String version) {
        int i = 0;
        while (i < version.length() && Character.isDigit(version.charAt(i))) i++;
        if (i == 0 || i > 4) return 0;
        return Integer.parseInt(version.substring(0, i));
    }

    private static String unquote(String s) {
        s = s.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
