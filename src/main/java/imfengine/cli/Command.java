package imfengine.cli;

import java.util.List;

/** One subcommand of the CLI. */
public interface Command {
    String name();

    /** One line for the top-level help. */
    String summary();

    /** Full help text of the command. */
    String help();

    /** Runs with the arguments after the command name; returns the exit code. */
    int run(List<String> args) throws Exception;
}
