package dev.kvlab.cache;

/**
 * The decision logic of an eviction strategy, without any bookkeeping: {@link EvictingCache} owns slots, blocks
 * and views and asks the policy two things per chunk. Before the step: which statistics to compute. After it, per
 * layer: update the held tokens' scores from the statistics and say how many tokens the layer keeps; the cache then
 * evicts the lowest-scoring {@link #evictable} tokens (or whole blocks) until the layer holds at most that many.
 * A policy keeps no state of its own: everything it carries between steps is in the scores.
 */
public interface EvictionPolicy {

    /** {@link #update} returns this to evict nothing now. */
    int KEEP_ALL = Integer.MAX_VALUE;

    /** The statistics the runtime must compute for this chunk. */
    StatsRequest statsFor(StepContext step);

    /**
     * After the step: update {@code tokens}' scores from {@code stats} (the fields asked for are set).
     *
     * @return the most tokens layer {@code layer} keeps now, or {@link #KEEP_ALL}
     */
    int update(StepContext step, int layer, LayerTokens tokens, LayerStats stats);

    /** Whether the token at {@code position} may be evicted after this step (recent windows, sinks are not). */
    boolean evictable(StepContext step, int layer, int position);
}
