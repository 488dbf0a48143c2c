package dev.kvlab.model;

/**
 * A model file (config, checkpoint, tokenizer) is missing, malformed or not a supported GPT-2.
 *
 * <p>Every loader in this package reports a failure as exactly one of these, with a message that names
 * the file and, where there is one, the tensor or field at fault. Callers never see parser, I/O or
 * arithmetic exceptions from a bad file.
 */
public final class ModelLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
