package dev.kvlab.bench;

import java.util.List;

/**
 * Everything a bench invocation measured, as typed rows ready to write.
 *
 * @param env         the environment of the invocation (each row carries its own copy)
 * @param command     the command line that produced it
 * @param runs        one row per sweep point
 * @param requests    one row per request of every run
 * @param kvGrowth    rows of {@link KvGrowth}
 * @param longGen     rows of {@link LongGen}
 * @param quality     rows of {@link QualityExperiment}: one per strategy configuration
 * @param qualityPositions its perplexity-vs-position curve
 * @param attention   rows of {@link AttentionSinks}: one per layer
 */
public record Results(BenchEnv env, String command, List<ResultRow> runs, List<RequestRow> requests,
                      List<KvGrowthRow> kvGrowth, List<LongGenRow> longGen, List<QualityRow> quality,
                      List<QualityPositionRow> qualityPositions, List<AttentionRow> attention) {
}
