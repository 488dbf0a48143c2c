package dev.kvlab.cache;

/**
 * Strategy "tova": token omission via attention, after Oren et al. 2024, "Transformers are Multi-State RNNs"
 * (TOVA). After each step, a layer over budget drops the tokens with the least attention from the current query
 * (the chunk's last), averaged over heads as in the paper; no window, no sinks: any token may go, the newest too.
 *
 * <p>Where kvlab differs: a prefill chunk over budget is cut to the budget at once by its last query's attention
 * (the paper processes the prompt token by token, dropping one per step).
 */
public final class TovaPolicy implements EvictionPolicy {

    private final int budget;

    public TovaPolicy(EvictionOptions options) {
        this.budget = options.budget();
    }

    @Override
    public StatsRequest statsFor(StepContext step) {
        return budget == EvictionOptions.UNBOUNDED ? StatsRequest.NONE : StatsRequest.attention(step.endPosition() - 1);
    }

    @Override
    public int update(StepContext step, int layer, LayerTokens tokens, LayerStats stats) {
        if (stats.attention() == null) {
            return KEEP_ALL;
        }
        int heads = stats.attention().length;
        for (int i = 0; i < tokens.size(); i++) {
            tokens.setScore(i, stats.attentionSum(i) / heads);
        }
        return budget;
    }

    @Override
    public boolean evictable(StepContext step, int layer, int position) {
        return true;
    }
}
