package dev.kvlab.runtime.cli;

import dev.kvlab.model.ModelLoadException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Builds the {@code kvlab} command line and maps failures to exit codes, each reported as one line on stderr: bad
 * input (flags, files, prompts, cache sizes, and an {@link OutOfMemoryError}, which only inputs sized past the
 * heap cause) exits 2; output that could not be written (stdout closed or full) exits 1; an unexpected fault (a bug)
 * exits 1 with its stack trace.
 */
public final class KvlabCli {
    /** Exit code for bad input of any kind. */
    public static final int BAD_INPUT = 2;

    /** Exit code for a failure that is not the input's fault: a bug, or output that could not be written. */
    public static final int FAILURE = 1;

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

    /**
     * Runs {@code args} and returns the exit code: {@link CommandLine#execute} plus the failures it lets through
     * (an {@link OutOfMemoryError}) and a check that stdout took everything written to it.
     */
    public static int run(CommandLine cl, String... args) {
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError e) {
            PrintWriter err = cl.getErr();
            err.println("kvlab: error: " + outOfMemory(e));
            err.flush();
            return BAD_INPUT;
        }
        return code != FAILURE && outputFailed(System.out, cl.getErr()) ? FAILURE : code;
    }

    /** Whether {@code out} lost output (closed pipe, full disk); says so on {@code err}. */
    public static boolean outputFailed(PrintStream out, PrintWriter err) {
        if (!out.checkError()) {
            return false;
        }
        err.println("kvlab: error: " + new OutputFailedException().getMessage());
        err.flush();
        return true;
    }

    private static String outOfMemory(OutOfMemoryError e) {
        long heap = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        return "out of memory (" + e.getMessage() + "): the input asks for more than the " + heap + " MiB heap; "
                + "ask for fewer requests or tokens";
    }

    private static int onBadParameter(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("kvlab: " + e.getMessage() + " (try '" + e.getCommandLine().getCommandSpec().qualifiedName()
                + " --help')");
        err.flush();
        return BAD_INPUT;
    }

    private static int onException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        Throwable oom = rootOutOfMemory(e);
        if (oom != null) {
            err.println("kvlab: error: " + outOfMemory((OutOfMemoryError) oom));
            err.flush();
            return BAD_INPUT;
        }
        if (e instanceof OutputFailedException) {
            err.println("kvlab: error: " + e.getMessage());
            err.flush();
            return FAILURE;
        }
        if (isBadInput(e)) {
            err.println("kvlab: error: " + oneLine(e.getMessage()));
            err.flush();
            return BAD_INPUT;
        }
        err.println("kvlab: internal error: " + e);
        e.printStackTrace(err);
        err.flush();
        return FAILURE;
    }

    private static Throwable rootOutOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return t;
            }
        }
        return null;
    }

    /** Only the first line: native and parser messages sometimes append backtraces or advice. */
    static String oneLine(String message) {
        return message == null ? "(no message)" : message.lines().findFirst().orElse("(no message)");
    }

    /** Failures caused by what the user gave us, not by a bug. */
    static boolean isBadInput(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof ModelLoadException
                || e instanceof UncheckedIOException || e instanceof BadInputException;
    }
}
