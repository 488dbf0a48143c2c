package dev.kvlab.cache;

/** Names one sequence (one request) inside a {@link KvCache}. Plain value; equality by {@code value}. */
public record SeqId(long value) {
    @Override
    public String toString() {
        return "seq#" + value;
    }
}
