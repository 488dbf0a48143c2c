package dev.kvlab.cache;

/**
 * Strategy "snapkv": prompt compression by an observation window, after Li et al. 2024, "SnapKV: LLM Knows What You
 * are Looking for Before Generation". The queries of the prompt's last {@code w} tokens vote: each earlier prompt
 * token's score is the attention they gave it, summed over the window's queries and the heads, then smoothed by an
 * average pooling of width {@code k} over positions (zero padding, as {@code avg_pool1d(padding = k / 2)}). After the
 * step that computes the prompt's last token, a layer keeps the window and the best {@code budget - w} earlier
 * tokens. Later tokens are never evicted: SnapKV compresses the prompt only, so a sequence holds
 * {@code budget + generated} tokens.
 *
 * <p>Defaults follow SnapKV's code ({@code window_size = 64, kernel_size = 5, avgpool}); {@code w} is clamped to
 * budget / 2 so that a small budget still keeps earlier tokens. Where kvlab differs: one held set per layer (the
 * paper selects per head, so the score is summed over heads here); a chunked prefill accumulates the window's votes
 * over the chunks that hold window queries.
 */
public final class SnapKvPolicy implements EvictionPolicy {

    private final int budget;
    private final int window;
    private final int kernel;

    public SnapKvPolicy(EvictionOptions options) {
        this.budget = options.budget();
        this.window = Math.max(1, Math.min(options.observationWindow(), budget / 2));
        this.kernel = options.poolingKernel();
    }

    private int windowStart(StepContext step) {
        return Math.max(0, step.promptLength() - window);
    }

    /** Attention from the window's queries in this chunk; nothing for chunks before the window or after the prompt. */
    @Override
    public StatsRequest statsFor(StepContext step) {
        int from = Math.max(step.firstPosition(), windowStart(step));
        boolean votes = budget != EvictionOptions.UNBOUNDED && step.promptLength() > budget
                && from < Math.min(step.endPosition(), step.promptLength());
        return votes ? StatsRequest.attention(from) : StatsRequest.NONE;
    }

    @Override
    public int update(StepContext step, int layer, LayerTokens tokens, LayerStats stats) {
        if (stats.attention() == null) {
            return KEEP_ALL;
        }
        tokens.addAttention(stats);
        if (!step.covers(step.promptLength() - 1)) {
            return KEEP_ALL;   // the window's votes are not all in yet
        }
        pool(tokens, windowStart(step));
        return budget;
    }

    /** Replaces the scores of positions before the window by their average over {@code kernel} neighbours. */
    private void pool(LayerTokens tokens, int windowStart) {
        double[] byPosition = new double[windowStart];
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.position(i) < windowStart) {
                byPosition[tokens.position(i)] = tokens.score(i);
            }
        }
        double[] pooled = averagePool(byPosition, kernel);
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.position(i) < windowStart) {
                tokens.setScore(i, pooled[tokens.position(i)]);
            }
        }
    }

    /** {@code avg_pool1d(x, k, stride 1, padding k / 2)} with zero padding counted: shape [x.length]. */
    static double[] averagePool(double[] x, int k) {
        double[] out = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            double s = 0;
            for (int d = -k / 2; d <= k / 2; d++) {
                int i = j + d;
                s += i >= 0 && i < x.length ? x[i] : 0;
            }
            out[j] = s / k;
        }
        return out;
    }

    /** Only tokens before the window, and only at the end of the prompt. */
    @Override
    public boolean evictable(StepContext step, int layer, int position) {
        return position < windowStart(step);
    }

    @Override
    public String toString() {
        return "snapkv(budget=" + budget + ", window=" + window + ", kernel=" + kernel + ")";
    }
}
