package imfengine.cli;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of {@code java -jar imf-engine.jar}. A manifest cannot add the incubating Vector API
 * module, so when it is missing this class re-runs the same JVM with
 * {@code --add-modules=jdk.incubator.vector} (and native access) and passes the exit code through.
 * It touches no Vector API class itself. The jlinked runtime bakes those options in and never re-runs.
 */
public final class Main {
    private static final String RELAUNCHED = "imf.relaunched";

    private Main() {}

    public static void main(String[] args) {
        if (!ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && System.getProperty(RELAUNCHED) == null) {
            Integer code = relaunch(args);
            if (code != null) System.exit(code);
            // could not relaunch: carry on with scalar kernels
        }
        System.exit(Cli.run(args));
    }

    /** Re-runs this JVM with the module added; null when that is not possible (e.g. not started from a jar). */
    private static Integer relaunch(String[] args) {
        var info = ProcessHandle.current().info();
        String javaBin = info.command().orElse(null);
        String jar = jarPath();
        if (javaBin == null || jar == null) return null;
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-D" + RELAUNCHED + "=true");
        for (String a : info.arguments().orElse(new String[0])) { // JVM options the user gave, up to -jar
            if (a.equals("-jar")) break;
            if (a.startsWith("-X") || a.startsWith("-D")) cmd.add(a);
        }
        cmd.add("-jar");
        cmd.add(jar);
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            return p.waitFor();
        } catch (Exception e) {
            return null;
        }
    }

    private static String jarPath() {
        try {
            File f = new File(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return f.isFile() && f.getName().endsWith(".jar") ? f.getPath() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
