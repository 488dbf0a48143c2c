package dev.kvlab.runtime.cli;

/**
 * Stdout stopped taking output (closed pipe, full disk): the command stops at once, since its results would be
 * lost; exit code 1 ({@link KvlabCli#FAILURE}), one line on stderr.
 */
public final class OutputFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OutputFailedException() {
        super("could not write the output (stdout is closed or the disk is full)");
    }
}
