package dev.kvlab.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.kvlab.model.json.JsonInputException;
import dev.kvlab.model.json.StrictJson;

/**
 * Reads a request body with kvlab's one JSON policy ({@link StrictJson}: RFC 8259 only, no duplicate keys, numbers
 * kept exact) after bounding its nesting (a deep body would otherwise exhaust the I/O thread's stack). Every failure
 * is a 400 {@link ApiError}.
 */
final class StrictBody {
    static final int MAX_DEPTH = 32;

    private StrictBody() {
    }

    static JsonObject parse(String text) {
        if (depth(text) > MAX_DEPTH) {
            throw ApiError.invalid(null, "The body nests deeper than " + MAX_DEPTH + " levels.");
        }
        JsonElement e;
        try {
            e = StrictJson.parse(text, "request body");
        } catch (JsonInputException x) {
            throw ApiError.invalid(null, "The body is not valid JSON: " + x.getMessage());
        }
        if (!e.isJsonObject()) {
            throw ApiError.invalid(null, "The body must be a JSON object.");
        }
        return e.getAsJsonObject();
    }

    /** The deepest nesting of arrays and objects, outside strings. */
    static int depth(String text) {
        int depth = 0;
        int max = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                max = Math.max(max, ++depth);
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return max;
    }
}
