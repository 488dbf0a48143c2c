package dev.kvlab.runtime.cli;

/** Bad user input found while running a command: reported as one line, exit code 2. */
public final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }
}
