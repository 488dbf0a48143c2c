package dev.kvlab.bench;

import dev.kvlab.cache.CacheOption;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.EvictionOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.runtime.EngineConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * One experiment of a plan: a workload and the Cartesian product strategy x batching x batch limit x KV budget x
 * block size x window x eviction budget x request rate. Block sizes vary only strategies that read the block size,
 * windows only those that read the window, eviction budgets only those that read the budget (their {@link dev.kvlab.cache.StrategyDescription}), so no point is run twice. Missing (null,
 * empty or 0) values take the engine's and the cache's defaults ({@link EngineConfig#DEFAULTS},
 * {@link CacheOptions#DEFAULTS}).
 *
 * @param name             the experiment name (the {@code experiment} column); the report knows {@code strategies},
 *                         {@code batching}, {@code load}, {@code capacity}, {@code prefix}, {@code block-size} and
 *                         {@code window}, any other name is reported as a plain table
 * @param workload         the requests
 * @param strategies       {@code name} or {@code name:variant}; default the engine's strategy
 * @param batching         default [continuous]
 * @param batchLimits      values of {@code maxSeqs}
 * @param kvBudgets        tokens (0 = batch limit x n_positions)
 * @param blockSizes       block sizes
 * @param windows          ring windows
 * @param rates            requests/s or "inf"; default [inf]
 * @param sinks            ring sinks
 * @param maxBatchedTokens step token budget
 * @param repeats          rounds over all points (default 1); each point reports its median round by output
 *                         throughput, with the min and max beside it. Rounds interleave points, so a slow spell of
 *                         the machine hits all points alike
 * @param budgets          eviction budgets, tokens per sequence and layer ({@code --budget}; 0 = never evicts): vary
 *                         only the strategies that read it, as windows vary only those that read the window
 */
public record SweepSpec(String name, WorkloadSpec workload, List<String> strategies, List<String> batching,
                        List<Integer> batchLimits, List<Integer> kvBudgets, List<Integer> blockSizes,
                        List<Integer> windows, List<String> rates, int sinks, int maxBatchedTokens,
                        int repeats, List<Integer> budgets) {
    public SweepSpec {
        if (name == null || name.isBlank() || workload == null) {
            throw new IllegalArgumentException("every sweep needs a name and a workload");
        }
        EngineConfig e = EngineConfig.DEFAULTS;
        CacheOptions o = e.cacheOptions();
        strategies = orElse(strategies, List.of(e.strategy()));
        batching = orElse(batching, List.of(RunConfig.CONTINUOUS));
        batchLimits = orElse(batchLimits, List.of(e.maxSeqs()));
        kvBudgets = orElse(kvBudgets, List.of(e.kvBudgetTokens()));
        blockSizes = orElse(blockSizes, List.of(o.blockSize()));
        windows = orElse(windows, List.of(o.window()));
        rates = orElse(rates, List.of("inf"));
        sinks = sinks == 0 ? o.sinks() : sinks;
        maxBatchedTokens = maxBatchedTokens == 0 ? e.maxBatchedTokens() : maxBatchedTokens;
        repeats = repeats == 0 ? 1 : repeats;
        budgets = orElse(budgets, List.of(0));
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        if (budgets.stream().anyMatch(b -> b < 0)) {
            throw new IllegalArgumentException("budgets must be >= 0 (0 = never evict), got " + budgets);
        }
        points(strategies, batching, batchLimits, kvBudgets, blockSizes, windows, rates, sinks, maxBatchedTokens,
                budgets);
    }

    /** Every point of the sweep, in a fixed order (rates outermost, then strategy, batching, limit, budget). */
    public List<RunConfig> points() {
        return points(strategies, batching, batchLimits, kvBudgets, blockSizes, windows, rates, sinks, maxBatchedTokens,
                budgets);
    }

    private static List<RunConfig> points(List<String> strategies, List<String> batching, List<Integer> limits,
                                          List<Integer> budgets, List<Integer> blocks, List<Integer> windows,
                                          List<String> rates, int sinks, int batched, List<Integer> evictionBudgets) {
        List<RunConfig> out = new ArrayList<>();
        for (String rate : rates) {
            Arrivals arrivals = Arrivals.parse(rate);
            for (String s : strategies) {
                var d = KvCacheRegistry.select(s, CacheOptions.DEFAULTS).description();
                List<Integer> bs = d.readsOption(CacheOption.BLOCK_SIZE) ? blocks : blocks.subList(0, 1);
                List<Integer> ws = d.readsOption(CacheOption.WINDOW) ? windows : windows.subList(0, 1);
                List<Integer> es = d.readsOption(CacheOption.BUDGET) ? evictionBudgets : evictionBudgets.subList(0, 1);
                for (String b : batching) {
                    for (int limit : limits) {
                        for (int budget : budgets) {
                            for (int block : bs) {
                                for (int w : ws) {
                                    for (int e : es) {
                                        CacheOptions o = CacheOptions.DEFAULTS.withBlockSize(block).withWindow(w, sinks)
                                                .withEviction(EvictionOptions.DEFAULTS.withBudget(
                                                        e == 0 ? EvictionOptions.UNBOUNDED : e));
                                        EngineConfig base = EngineConfig.DEFAULTS.withCacheOptions(o)
                                                .withKvBudgetTokens(budget).withLimits(limit, batched);
                                        out.add(RunConfig.of(s, base).withBatching(b).withArrivals(arrivals));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static <T> List<T> orElse(List<T> v, List<T> d) {
        return v == null || v.isEmpty() ? d : List.copyOf(v);
    }
}
