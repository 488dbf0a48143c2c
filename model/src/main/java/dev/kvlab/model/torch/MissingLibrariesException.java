package dev.kvlab.model.torch;

/**
 * The machine lacks shared libraries the requested natives need. An {@link IllegalArgumentException} so that every
 * command reports it like bad input: one line, exit code 2, no stack trace.
 */
public final class MissingLibrariesException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MissingLibrariesException(String message) {
        super(message);
    }
}
