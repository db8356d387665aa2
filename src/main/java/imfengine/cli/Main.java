package imfengine.cli;

/**
 * The engine's entry point in a JVM that has the Vector API module (and native access): the jar's
 * {@code imfengine.launcher.Launcher} gets here itself or through a child JVM it starts with those options
 * (it is compiled for Java 17, so that an older {@code java -jar} starts and can find a JDK 25). Started
 * directly ({@code java -cp … imfengine.cli.Main}) without the module, the engine runs on scalar kernels.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(Cli.run(args));
    }
}
