package dev.kvlab.runtime.cli;

import dev.kvlab.model.ModelLoadException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Builds the {@code kvlab} command line and maps failures to exit codes: bad input (flags, files, prompts, cache
 * sizes) prints one line and exits 2, with no stack trace; an unexpected fault prints its trace and exits 1.
 */
public final class KvlabCli {
    /** Exit code for bad input of any kind. */
    public static final int BAD_INPUT = 2;

    private KvlabCli() {
    }

    /** The root command with the given subcommands. */
    public static CommandLine create(Object root, Object... subcommands) {
        CommandLine cl = new CommandLine(root);
        for (Object s : subcommands) {
            cl.addSubcommand(s);
        }
        cl.setExecutionExceptionHandler(KvlabCli::onException);
        cl.setParameterExceptionHandler(KvlabCli::onBadParameter);
        return cl;
    }

    private static int onBadParameter(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("kvlab: " + e.getMessage());
        err.println("Try 'kvlab " + e.getCommandLine().getCommandName() + " --help'.");
        err.flush();
        return BAD_INPUT;
    }

    private static int onException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (isBadInput(e)) {
            err.println("kvlab: error: " + e.getMessage());
            err.flush();
            return BAD_INPUT;
        }
        err.println("kvlab: internal error: " + e);
        e.printStackTrace(err);
        err.flush();
        return 1;
    }

    /** Failures caused by what the user gave us, not by a bug. */
    static boolean isBadInput(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof ModelLoadException
                || e instanceof UncheckedIOException || e instanceof BadInputException;
    }
}
