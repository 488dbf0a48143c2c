package dev.kvlab.scheduler;

/** Names one request for its whole life; the runtime chooses it. Plain value; equality by {@code value}. */
public record RequestId(String value) {
    public RequestId {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("a request id must be a non-empty string");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
