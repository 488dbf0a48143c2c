package dev.kvlab.cache;

/**
 * Strategy "knorm": keep the keys of lowest L2 norm, after Devoto et al. 2024, "A Simple and Effective L2 Norm-Based
 * Strategy for KV Cache Compression" (EMNLP), which found that keys with a low norm draw high attention. Needs no
 * attention: the runtime hands over each new key's norm; after each step a layer over budget drops the tokens whose
 * key norm is highest. No window, as in kvpress's {@code KnormPress}.
 *
 * <p>Where kvlab differs: one held set per layer, scored by the key norm averaged over heads (the paper ranks per
 * head), and every layer is compressed (the paper leaves the first layers whole).
 */
public final class KeyNormPolicy implements EvictionPolicy {

    private final int budget;

    public KeyNormPolicy(EvictionOptions options) {
        this.budget = options.budget();
    }

    @Override
    public StatsRequest statsFor(StepContext step) {
        return budget == EvictionOptions.UNBOUNDED ? StatsRequest.NONE : StatsRequest.keyNormsOnly();
    }

    /** Scores each new token by minus its mean key norm (the lowest score, the highest norm, goes first). */
    @Override
    public int update(StepContext step, int layer, LayerTokens tokens, LayerStats stats) {
        if (stats.keyNorms() == null) {
            return KEEP_ALL;
        }
        int n = step.numNewTokens();
        for (int c = 0; c < n; c++) {
            tokens.setScore(tokens.size() - n + c, -stats.keyNormMean(c));
        }
        return budget;
    }

    @Override
    public boolean evictable(StepContext step, int layer, int position) {
        return true;
    }
}
