package dev.kvlab.cache;

/**
 * Where one chunk sits in its sequence, as an {@link EvictionPolicy} sees it.
 *
 * @param firstPosition the chunk's first position
 * @param endPosition   one past its last position: tokens seen after the step
 * @param promptLength  tokens of the request's prompt ({@link AllocRequest#promptLength})
 */
public record StepContext(int firstPosition, int endPosition, int promptLength) {

    static StepContext of(AllocRequest r) {
        return new StepContext(r.firstPosition(), r.endPosition(), r.promptLength());
    }

    public int numNewTokens() {
        return endPosition - firstPosition;
    }

    /** Whether the chunk contains position p. */
    public boolean covers(int p) {
        return p >= firstPosition && p < endPosition;
    }
}
