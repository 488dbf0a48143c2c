package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One experiment of a plan: a workload and the Cartesian product strategy x batching x batch limit x KV budget x
 * block size x window x request rate. Block sizes vary only paged runs and windows only ring runs, so no point is
 * run twice. Missing (null or empty) lists take the defaults below.
 *
 * @param name             the experiment name (the {@code experiment} column); the report knows {@code strategies},
 *                         {@code batching}, {@code load}, {@code capacity}, {@code prefix}, {@code block-size} and
 *                         {@code window}, any other name is reported as a plain table
 * @param workload         the requests
 * @param strategies       default [contiguous]; variants as in {@link RunConfig#strategy()}
 * @param batching         default [continuous]
 * @param batchLimits      default [16]
 * @param kvBudgets        tokens; default [0] (= batch limit x n_positions)
 * @param blockSizes       default [16]
 * @param windows          default [256]
 * @param rates            requests/s or "inf"; default [inf]
 * @param sinks            ring sinks; default 4 when 0
 * @param maxBatchedTokens step token budget; default 2048 when 0
 * @param repeats          rounds over all points (default 1); each point reports its median round by output
 *                         throughput, with the min and max beside it. Rounds interleave points, so a slow spell of
 *                         the machine hits all points alike
 */
public record SweepSpec(String name, WorkloadSpec workload, List<String> strategies, List<String> batching,
                        List<Integer> batchLimits, List<Integer> kvBudgets, List<Integer> blockSizes,
                        List<Integer> windows, List<String> rates, int sinks, int maxBatchedTokens,
                        int repeats) {
    public SweepSpec {
        if (name == null || name.isBlank() || workload == null) {
            throw new IllegalArgumentException("every sweep needs a name and a workload");
        }
        strategies = orElse(strategies, List.of("contiguous"));
        batching = orElse(batching, List.of(RunConfig.CONTINUOUS));
        batchLimits = orElse(batchLimits, List.of(16));
        kvBudgets = orElse(kvBudgets, List.of(0));
        blockSizes = orElse(blockSizes, List.of(16));
        windows = orElse(windows, List.of(256));
        rates = orElse(rates, List.of("inf"));
        sinks = sinks == 0 ? 4 : sinks;
        maxBatchedTokens = maxBatchedTokens == 0 ? 2048 : maxBatchedTokens;
        repeats = repeats == 0 ? 1 : repeats;
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        points(strategies, batching, batchLimits, kvBudgets, blockSizes, windows, rates, sinks, maxBatchedTokens);
    }

    /** Every point of the sweep, in a fixed order (rates outermost, then strategy, batching, limit, budget). */
    public List<RunConfig> points() {
        return points(strategies, batching, batchLimits, kvBudgets, blockSizes, windows, rates, sinks, maxBatchedTokens);
    }

    private static List<RunConfig> points(List<String> strategies, List<String> batching, List<Integer> limits,
                                          List<Integer> budgets, List<Integer> blocks, List<Integer> windows,
                                          List<String> rates, int sinks, int batched) {
        List<RunConfig> out = new ArrayList<>();
        for (String rate : rates) {
            Arrivals arrivals = Arrivals.parse(rate);
            for (String s : strategies) {
                String base = s.split(":", 2)[0];
                List<Integer> bs = base.equals("paged") ? blocks : blocks.subList(0, 1);
                List<Integer> ws = base.equals("ring") ? windows : windows.subList(0, 1);
                for (String b : batching) {
                    for (int limit : limits) {
                        for (int budget : budgets) {
                            for (int block : bs) {
                                for (int w : ws) {
                                    out.add(new RunConfig(s, b, limit, budget, block, w, sinks, batched, arrivals));
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
