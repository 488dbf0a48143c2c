package dev.kvlab.cache;

/**
 * Which statistics a strategy asks the runtime to compute in one step, for one chunk (part of
 * {@link Allocation.Granted}); the runtime computes nothing it was not asked for, and hands the results to
 * {@link KvCache#observe} after the step as a {@link StepStats}.
 *
 * @param attentionFrom the attention mass each held key received, per layer and head, summed over the chunk's queries
 *                      at positions &gt;= attentionFrom (the chunk's first position: all of them; its last: the current
 *                      query only); {@link #NO_ATTENTION} asks for none
 * @param keyNorms      the L2 norm of each of the chunk's keys, per layer and head
 */
public record StatsRequest(int attentionFrom, boolean keyNorms) {

    /** attentionFrom when no attention is asked for. */
    public static final int NO_ATTENTION = Integer.MAX_VALUE;

    public static final StatsRequest NONE = new StatsRequest(NO_ATTENTION, false);

    public StatsRequest {
        if (attentionFrom < 0) {
            throw new IllegalArgumentException("attentionFrom must be >= 0, got " + attentionFrom);
        }
    }

    /** Attention summed over queries at positions &gt;= {@code fromPosition}. */
    public static StatsRequest attention(int fromPosition) {
        return new StatsRequest(fromPosition, false);
    }

    /** Key norms of the chunk's tokens. */
    public static StatsRequest keyNormsOnly() {
        return new StatsRequest(NO_ATTENTION, true);
    }

    public boolean wantsAttention() {
        return attentionFrom != NO_ATTENTION;
    }

    public boolean wantsAny() {
        return wantsAttention() || keyNorms;
    }
}
