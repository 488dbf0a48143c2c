package dev.kvlab.bench;

/**
 * Attention-sink statistics of one layer ({@link AttentionSinks}): shares of attention on the first and on the
 * previous token (mean over heads and query positions q >= 2), and the first-token share of a uniform head.
 */
public record AttentionRow(String experiment, int layer, double firstTokenShare, double previousTokenShare,
                           double uniformFirstTokenShare, String text, int passages, int length, BenchEnv env) {
}
