package dev.kvlab.model.json;

/**
 * Input JSON that breaks the strict policy of {@link StrictJson}: malformed, a duplicate or unknown key, or a value
 * of the wrong kind or out of range. The message is one line that starts with where the input came from (file and
 * line, "request body", ...) and names the key. An {@link IllegalArgumentException}, so command lines report it as
 * bad input (exit 2).
 */
public final class JsonInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public JsonInputException(String message) {
        super(message);
    }
}
