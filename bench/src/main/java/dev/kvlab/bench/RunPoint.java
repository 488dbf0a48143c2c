package dev.kvlab.bench;

import dev.kvlab.cache.CacheOption;

/**
 * The sweep point of a run as result columns. {@code block_size}, {@code window} and {@code budget} (an eviction
 * policy's tokens per layer; 0 = never evicts) are filled only for a strategy that reads that option (its {@link dev.kvlab.cache.StrategyDescription}), empty otherwise.
 *
 * @param requestRate requests/s; infinity when all arrive at once
 */
public record RunPoint(String strategy, String batching, int batchLimit, int kvBudgetTokens, Integer blockSize,
                       Integer window, Integer budget, int maxBatchedTokens, double requestRate) {

    static RunPoint of(RunConfig c) {
        var d = c.description();
        var o = c.engine().cacheOptions();
        return new RunPoint(c.strategy(), c.batching(), c.batchLimit(), c.engine().kvBudgetTokens(),
                d.readsOption(CacheOption.BLOCK_SIZE) ? o.blockSize() : null,
                d.readsOption(CacheOption.WINDOW) ? o.window() : null,
                d.readsOption(CacheOption.BUDGET) ? (Integer) CacheOption.BUDGET.flagValue(o) : null,
                c.engine().maxBatchedTokens(),
                c.arrivals().allAtOnce() ? Double.POSITIVE_INFINITY : c.arrivals().rate());
    }
}
