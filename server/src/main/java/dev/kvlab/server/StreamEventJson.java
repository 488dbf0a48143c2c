package dev.kvlab.server;

import com.google.gson.JsonObject;

/**
 * The JSON of one stream event of a completion (OpenAI's chunk: {@code id}, {@code object}, {@code created},
 * {@code model}, one choice with {@code index}, {@code text}, {@code logprobs}, {@code finish_reason}), written
 * straight into a string: the part before the choice is rendered once per completion, and only the token's text is
 * escaped per event. One event goes out per token, so this is the server's per-token work (a Gson tree per token
 * cost more than the rest of the event's way to the socket). Immutable.
 */
final class StreamEventJson {
    /** {@code {"id":..,"object":..,"created":..,"model":..,"choices":[{"index":}, rendered once. */
    private final String head;

    StreamEventJson(JsonObject header) {
        String h = header.toString();
        this.head = h.substring(0, h.length() - 1) + ",\"choices\":[{\"index\":";
    }

    /** One event: {@code logprobs} null for JSON null, {@code reason} null while the choice goes on. */
    String event(int index, String text, JsonObject logprobs, String reason) {
        StringBuilder b = new StringBuilder(head.length() + text.length() + 64).append(head).append(index)
                .append(",\"text\":");
        quote(b, text);
        b.append(",\"logprobs\":").append(logprobs == null ? "null" : logprobs.toString()).append(",\"finish_reason\":");
        if (reason == null) {
            b.append("null");
        } else {
            quote(b, reason);
        }
        return b.append("}]}").toString();
    }

    /** Appends {@code s} as a JSON string (RFC 8259: quote, backslash and control characters escaped; also U+2028/9). */
    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
