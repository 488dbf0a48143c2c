package dev.kvlab.cache;

/**
 * Strategy "h2o": heavy hitters plus a recent window, after Zhang et al. 2023, "H2O: Heavy-Hitter Oracle for
 * Efficient Generative Inference of Large Language Models" (NeurIPS). Each held token's score is the attention it
 * has received, accumulated over every query since it arrived; after each step a layer keeps the {@code recent}
 * newest tokens and the highest-scoring others, {@code budget} in all.
 *
 * <p>Where kvlab differs: one held set per layer, so the score is summed over heads (the paper keeps a set per head;
 * here a slot stores all heads of a token). A prefill chunk is scored by all its queries and then cut to the budget
 * at once (the paper's reference code does the same for the prompt). Default split: recent = budget / 2, as in the
 * paper's experiments.
 */
public final class H2oPolicy implements EvictionPolicy {

    private final int budget;
    private final int recent;

    public H2oPolicy(EvictionOptions options) {
        this.budget = options.budget();
        this.recent = options.recentTokens();
    }

    @Override
    public StatsRequest statsFor(StepContext step) {
        return budget == EvictionOptions.UNBOUNDED ? StatsRequest.NONE : StatsRequest.attention(step.firstPosition());
    }

    @Override
    public int update(StepContext step, int layer, LayerTokens tokens, LayerStats stats) {
        if (stats.attention() == null) {
            return KEEP_ALL;
        }
        tokens.addAttention(stats);
        return budget;
    }

    @Override
    public boolean evictable(StepContext step, int layer, int position) {
        return position < step.endPosition() - recent;
    }
}
