package imfengine.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import sun.misc.Signal;

/**
 * Runs this jar in a child JVM (the given {@code java}, with the Vector API module and native access) and
 * stands in for it: the child shares this process's stdin, stdout and stderr, its exit code becomes this
 * process's, and SIGTERM, SIGINT and SIGHUP sent to this process are passed on to it, so that it can write a
 * checkpoint and exit as if it had been signalled itself. The child gets this process's id and ends itself
 * when this process is gone ({@link ParentWatchdog}), which covers SIGKILL, the one signal nobody can pass on.
 */
final class ChildJvm {
    /** The system property that marks a child and names its parent's process id. */
    static final String PARENT_PID = "imf.launcher.parent";
    private static final String[] FORWARDED = {"TERM", "INT", "HUP"};

    private ChildJvm() {}

    static boolean isChild() { return System.getProperty(PARENT_PID) != null; }

    /** The child's exit code, or null when it cannot be started (not started from a jar, no such binary). */
    static Integer run(Path java, String[] args) {
        String jar = jarPath();
        if (jar == null) return null;
        Process child;
        try {
            child = new ProcessBuilder(command(java, jar, args)).inheritIO().start();
        } catch (IOException | RuntimeException e) {
            return null;
        }
        for (String name : FORWARDED) {
            try {
                Signal.handle(new Signal(name), s -> forward(child, s.getName()));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // no such signal here (Windows) or reserved by the JVM (-Xrs): the shutdown hook below still ends the child
            }
        }
        // any other way out of this JVM (System.exit elsewhere, a signal not handled above) takes the child along
        Runtime.getRuntime().addShutdownHook(new Thread(child::destroy, "imf-child-stop"));
        while (true) {
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                // keep waiting: this process must not end before its child
            }
        }
    }

    static List<String> command(Path java, String jar, String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-D" + PARENT_PID + "=" + ProcessHandle.current().pid());
        for (String a : ProcessHandle.current().info().arguments().orElse(new String[0])) { // the user's JVM options, up to -jar
            if (a.equals("-jar")) break;
            if ((a.startsWith("-X") || a.startsWith("-D")) && !a.startsWith("-D" + PARENT_PID + "=")) cmd.add(a);
        }
        cmd.add("-jar");
        cmd.add(jar);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Sends signal {@code name} to the child: SIGTERM through the JDK, others through kill(1); SIGTERM if that fails. */
    private static void forward(Process child, String name) {
        if (!child.isAlive()) return;
        if (!name.equals("TERM")) {
            try {
                Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(child.pid()))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (kill.waitFor() == 0) return;
            } catch (IOException | RuntimeException e) {
                // no kill(1) on the PATH: fall back to SIGTERM, which stops the child the same way
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        child.destroy();
    }

    private static String jarPath() {
        try {
            File f = new File(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return f.isFile() && f.getName().endsWith(".jar") ? f.getPath() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
