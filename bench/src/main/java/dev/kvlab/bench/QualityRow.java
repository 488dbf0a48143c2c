package dev.kvlab.bench;

/**
 * One configuration of the quality experiment ({@link QualityExperiment}), over all scored positions of all passages.
 *
 * @param label             {@code ring w=W s=S}, {@code h2o budget=B}, or the strategy name
 * @param kvBudgetTokens    the KV budget: the strategy's declared token budget (the ring's window, a policy's budget
 *                          per layer), or for a full-holding strategy the budget that fits a passage
 * @param sinks             sinks, for a strategy that reads them (else 0)
 * @param text              "heldout" (a shipped model's held-out text) or "random" (seeded random tokens)
 * @param prompt            tokens of each passage prefilled as the prompt; the scored positions are the decode steps
 *                          after it
 * @param perplexity        exp(mean NLL of the next token) under the strategy
 * @param perplexityFull    the same positions under the full cache
 * @param klFullStrategyNats mean KL(full ‖ strategy) per position
 * @param top1Agreement     share of positions whose argmax equals the full cache's
 * @param kvBytesHeld       the most K/V bytes the strategy held for a passage between steps (after its evictions),
 *                          from its own exact accounting (int8: elements and scales)
 */
public record QualityRow(String experiment, String label, String strategy, int kvBudgetTokens, int sinks, String text,
                         int passages, int length, int prompt, long scoredPositions, double perplexity, double perplexityFull,
                         double deltaPerplexity, double klFullStrategyNats, double top1Agreement, long kvBytesHeld,
                         BenchEnv env) {
}
