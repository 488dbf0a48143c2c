package dev.kvlab.bench;

/**
 * One configuration of the quality experiment ({@link QualityExperiment}), over all scored positions of all passages.
 *
 * @param label             {@code ring w=W s=S}, or the strategy name
 * @param kvBudgetTokens    the KV budget: the ring's window, or the pool size of a full-holding strategy
 * @param text              "heldout" (a shipped model's held-out text) or "random" (seeded random tokens)
 * @param perplexity        exp(mean NLL of the next token) under the strategy
 * @param perplexityFull    the same positions under the full cache
 * @param klFullStrategyNats mean KL(full ‖ strategy) per position
 * @param top1Agreement     share of positions whose argmax equals the full cache's
 * @param kvBytesHeld       the most K/V bytes the strategy held for a passage
 */
public record QualityRow(String experiment, String label, String strategy, int kvBudgetTokens, int sinks, String text,
                         int passages, int length, long scoredPositions, double perplexity, double perplexityFull,
                         double deltaPerplexity, double klFullStrategyNats, double top1Agreement, long kvBytesHeld,
                         BenchEnv env) {
}
