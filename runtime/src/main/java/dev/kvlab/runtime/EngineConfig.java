package dev.kvlab.runtime;

import dev.kvlab.cache.CacheOptions;

/**
 * How an engine batches and caches.
 *
 * @param strategy         cache strategy name from the registry (none, contiguous, paged, ring, ...)
 * @param cacheOptions     block size, window, sinks, reserve, prefix sharing
 * @param kvBudgetTokens   pool capacity in tokens; 0 = maxSeqs * n_positions
 * @param maxSeqs          most requests running at once
 * @param maxBatchedTokens most tokens in one step (prefill chunks + decode tokens)
 * @param batchInvariant   every request's logits bitwise the same alone or in any batch, chunking or preemption
 *                         (slower; see {@code ForwardBatch#batchInvariant}); false = the fast default
 */
public record EngineConfig(String strategy, CacheOptions cacheOptions, int kvBudgetTokens, int maxSeqs,
                           int maxBatchedTokens, boolean batchInvariant) {
    public static final EngineConfig DEFAULTS = new EngineConfig("contiguous", CacheOptions.DEFAULTS, 0, 16, 2048);

    /** The default (not batch-invariant) mode. */
    public EngineConfig(String strategy, CacheOptions cacheOptions, int kvBudgetTokens, int maxSeqs,
                        int maxBatchedTokens) {
        this(strategy, cacheOptions, kvBudgetTokens, maxSeqs, maxBatchedTokens, false);
    }

    public EngineConfig {
        if (kvBudgetTokens < 0) {
            throw new IllegalArgumentException("--kv-budget-tokens must be >= 0, got " + kvBudgetTokens);
        }
        if (maxSeqs < 1) {
            throw new IllegalArgumentException("--max-seqs must be >= 1, got " + maxSeqs);
        }
        if (maxBatchedTokens < 1) {
            throw new IllegalArgumentException("--max-batched-tokens must be >= 1, got " + maxBatchedTokens);
        }
    }

    public EngineConfig withStrategy(String s) {
        return new EngineConfig(s, cacheOptions, kvBudgetTokens, maxSeqs, maxBatchedTokens, batchInvariant);
    }

    public EngineConfig withCacheOptions(CacheOptions o) {
        return new EngineConfig(strategy, o, kvBudgetTokens, maxSeqs, maxBatchedTokens, batchInvariant);
    }

    public EngineConfig withKvBudgetTokens(int t) {
        return new EngineConfig(strategy, cacheOptions, t, maxSeqs, maxBatchedTokens, batchInvariant);
    }

    public EngineConfig withLimits(int seqs, int batchedTokens) {
        return new EngineConfig(strategy, cacheOptions, kvBudgetTokens, seqs, batchedTokens, batchInvariant);
    }

    public EngineConfig withBatchInvariant(boolean on) {
        return new EngineConfig(strategy, cacheOptions, kvBudgetTokens, maxSeqs, maxBatchedTokens, on);
    }
}
