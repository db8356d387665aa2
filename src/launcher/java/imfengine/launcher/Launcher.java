package imfengine.launcher;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The entry point of {@code java -jar imf-engine.jar}, compiled for Java 17 (a separate source root and
 * compiler execution) so that it starts on the JVM a stock machine has. It decides which JVM runs the engine:
 * <ul>
 *   <li>Java older than 25: a JDK 25 found by {@link JdkFinder} runs it as a child ({@link ChildJvm}); when
 *       there is none, one line says what to install, exit 1.</li>
 *   <li>Java 25 without the Vector API module (a manifest cannot add modules): the same JVM binary runs it as
 *       a child with {@code --add-modules=jdk.incubator.vector}.</li>
 *   <li>Otherwise (the jlink runtime of {@code make build}, {@code make run}, a child): this JVM runs it.</li>
 * </ul>
 * A child watches this process ({@link ParentWatchdog}) and this process forwards signals to it, so killing
 * the process the user started stops the training whatever the signal.
 * <p>No engine class (class file version 69) may be linked from here: the engine's entry is looked up by name.
 */
public final class Launcher {
    static final int JAVA_NEEDED = 25;
    private static final String ENGINE_MAIN = "imfengine.cli.Main";

    private Launcher() {}

    public static void main(String[] args) throws Throwable {
        if (Runtime.version().feature() < JAVA_NEEDED) System.exit(onOlderJava(args));
        if (!ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && !ChildJvm.isChild()) {
            Optional<Path> java = ProcessHandle.current().info().command().map(Path::of);
            Integer code = java.isPresent() ? ChildJvm.run(java.get(), args) : null;
            if (code != null) System.exit(code);
            // not started from a jar: carry on in this JVM, on the scalar kernels
        }
        ParentWatchdog.startIfChild();
        try {
            Class.forName(ENGINE_MAIN).getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Runs the engine under a JDK 25 found on this machine, or says in one line what to install; the exit code. */
    private static int onOlderJava(String[] args) {
        Optional<JdkFinder.Jdk> jdk = JdkFinder.fromEnvironment().find(JAVA_NEEDED);
        if (jdk.isPresent()) {
            Integer code = ChildJvm.run(jdk.get().java(), args);
            if (code != null) return code;
        }
        System.err.println(olderJavaMessage(System.getProperty("java.version"), System.getProperty("java.home"), jdk.map(JdkFinder.Jdk::java)));
        return 1;
    }

    /** The one line for a JVM older than 25; {@code found} is a JDK 25 that could not be started from here. */
    static String olderJavaMessage(String version, String javaHome, Optional<Path> found) {
        String head = "error: imf-engine needs Java " + JAVA_NEEDED + " or newer, this is Java " + version + " (" + javaHome + ")";
        if (found.isPresent()) return head + ": run it with " + found.get() + " --add-modules=jdk.incubator.vector -jar imf-engine.jar";
        return head + "; no JDK " + JAVA_NEEDED + " in JAVA_HOME, on the PATH or in the usual folders: install one"
                + " (e.g. Temurin " + JAVA_NEEDED + " from https://adoptium.net) and set JAVA_HOME to it";
    }
}
