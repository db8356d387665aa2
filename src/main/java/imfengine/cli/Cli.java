package imfengine.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Dispatches {@code imf-engine <command> [options]}; turns bad input into one line and exit code 2. */
public final class Cli {
    private Cli() {}

    static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        for (Command c : List.<Command>of(new TrainCommand(), new SampleCommand(), new DecodeCommand(), new EvalCommand(), new ExportCommand(), new FidCommand(), new BenchCommand(), new InfoCommand())) m.put(c.name(), c);
        return m;
    }

    public static int run(String[] argv) {
        List<String> args = Arrays.asList(argv);
        boolean debug = args.contains("--debug");
        args = args.stream().filter(a -> !a.equals("--debug")).toList();
        Map<String, Command> commands = commands();
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h") || args.get(0).equals("help")) {
            System.out.print(usage(commands));
            return args.isEmpty() ? 2 : 0;
        }
        Command c = commands.get(args.get(0));
        if (c == null) {
            System.err.println("imf-engine: unknown command '" + args.get(0) + "' (commands: " + String.join(", ", commands.keySet()) + ")");
            return 2;
        }
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            System.out.print(c.help());
            return 0;
        }
        try {
            return c.run(rest);
        } catch (UsageException e) {
            System.err.println("error: " + e.getMessage());
            if (debug) e.printStackTrace();
            return 2;
        } catch (OutOfMemoryError e) {
            // the work that filled the heap has unwound; say what to change instead of a stack trace
            System.err.printf("error: %s: out of memory (Java heap %d MiB): give the JVM more with -Xmx (java -Xmx8g -jar"
                    + " imf-engine.jar ...), or --recompute on, --micro-batch N or a smaller --batch%n", c.name(), Runtime.getRuntime().maxMemory() >> 20);
            if (debug) e.printStackTrace();
            return 1;
        } catch (Exception e) {
            System.err.println("error: " + c.name() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            if (debug) e.printStackTrace();
            else System.err.println("(run with --debug for the stack trace)");
            return 1;
        }
    }

    static String usage(Map<String, Command> commands) {
        StringBuilder sb = new StringBuilder("""
                imf-engine: train and sample Improved Mean Flows (iMF) one-step generative models

                usage: java -jar imf-engine.jar <command> [options]     (<command> --help for details)

                commands:
                """);
        commands.values().forEach(c -> sb.append(String.format("  %-8s %s%n", c.name(), c.summary())));
        sb.append("\nglobal options:\n  --debug  show stack traces on errors\n");
        return sb.toString();
    }
}
