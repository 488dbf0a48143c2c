package dev.kvlab.bench;

/**
 * Perplexity of one configuration over a bucket of query positions {@code [positionFrom, positionTo)} (position p
 * predicts token p + 1), over all passages.
 */
public record QualityPositionRow(String experiment, String label, int positionFrom, int positionTo, double perplexity,
                                 int passages, int length, BenchEnv env) {
}
