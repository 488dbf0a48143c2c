package dev.kvlab.cache;

/**
 * A sliding window with attention sinks on the token pool, after Xiao et al. 2024, "Efficient Streaming Language
 * Models with Attention Sinks" (StreamingLLM): a layer keeps its first {@code sinks} positions and its newest
 * {@code budget - sinks} tokens; the oldest others go first. Needs no statistics. The same rule as strategy
 * {@code ring}, applied after the step instead of before it (a ring reads its window, then overwrites), here used
 * for the windowed layers of {@code mix}.
 */
public final class WindowPolicy implements EvictionPolicy {

    private final int budget;
    private final int sinks;

    public WindowPolicy(int budget, int sinks) {
        if (sinks >= budget) {
            throw new IllegalArgumentException("sinks must be fewer than the budget: " + sinks + " >= " + budget);
        }
        this.budget = budget;
        this.sinks = sinks;
    }

    @Override
    public StatsRequest statsFor(StepContext step) {
        return StatsRequest.NONE;
    }

    /** Scores are positions: the oldest non-sink token has the lowest. */
    @Override
    public int update(StepContext step, int layer, LayerTokens tokens, LayerStats stats) {
        for (int i = 0; i < tokens.size(); i++) {
            tokens.setScore(i, tokens.position(i));
        }
        return budget;
    }

    @Override
    public boolean evictable(StepContext step, int layer, int position) {
        return position >= sinks;
    }
}
