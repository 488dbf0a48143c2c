package dev.kvlab.bench;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import java.util.List;

/**
 * KV memory of one sequence as it grows, per strategy, from the caches' own accounting (no model runs): a prompt
 * of {@code promptTokens} in one chunk, then one token per step up to {@code totalTokens}, the request asking for
 * exactly that many. Reserved = slots taken out of the pool for the sequence.
 *
 * @param promptTokens default 32
 * @param totalTokens  default 512 (half the context, so reserving n_positions shows as waste)
 * @param strategies   default every registered strategy and variant
 * @param blockSize    default {@link CacheOptions#DEFAULTS}
 * @param window       default {@link CacheOptions#DEFAULTS}
 */
public record KvGrowthSpec(int promptTokens, int totalTokens, List<String> strategies, int blockSize, int window) {
    public KvGrowthSpec {
        promptTokens = promptTokens == 0 ? 32 : promptTokens;
        totalTokens = totalTokens == 0 ? 512 : totalTokens;
        strategies = strategies == null || strategies.isEmpty()
                ? KvCacheRegistry.selectableNames() : List.copyOf(strategies);
        blockSize = blockSize == 0 ? CacheOptions.DEFAULTS.blockSize() : blockSize;
        window = window == 0 ? CacheOptions.DEFAULTS.window() : window;
        if (promptTokens < 1 || totalTokens <= promptTokens) {
            throw new IllegalArgumentException("kvGrowth needs 1 <= promptTokens < totalTokens");
        }
    }
}
