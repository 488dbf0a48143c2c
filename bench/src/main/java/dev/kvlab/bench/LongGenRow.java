package dev.kvlab.bench;

/** One sampled length of the long generation: the step time there and the estimated total, per strategy. */
public record LongGenRow(String experiment, String strategy, int length, double stepMs, int reps, int totalTokens,
                         double estimatedTotalS, BenchEnv env) {
}
