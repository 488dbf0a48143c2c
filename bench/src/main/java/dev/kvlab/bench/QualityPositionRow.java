package dev.kvlab.bench;

/**
 * Perplexity of one configuration over a bucket of query positions {@code [positionFrom, positionTo)} (position p
 * predicts token p + 1), over all passages; positions from {@code prompt} on are decode steps.
 *
 * @param label          the configuration's label ({@code full cache} for the reference)
 * @param strategy       its strategy ({@code none} for the reference)
 * @param kvBudgetTokens its KV budget
 * @param sinks          its sinks (0 where not read)
 */
public record QualityPositionRow(String experiment, String label, String strategy, int kvBudgetTokens, int sinks,
                                 int positionFrom, int positionTo, double perplexity, int passages, int length,
                                 int prompt, BenchEnv env) {
}
