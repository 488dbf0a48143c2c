package dev.kvlab.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The charts of a bench run, each drawn only when its experiment ran: throughput vs batch limit (continuous vs
 * static), latency vs load, KV memory vs sequence length per strategy, time per token vs length with and without
 * cache, KV waste and max concurrency per strategy, paged block size, quality vs KV memory, perplexity vs position.
 */
public final class BenchCharts {
    static final double MIB = 1024.0 * 1024.0;

    /** Every chart this class can draw (file stems), in drawing order. */
    public static final List<String> NAMES = List.of("throughput_vs_batch_limit", "latency_vs_load",
            "kv_waste_by_strategy", "throughput_by_strategy", "max_concurrent_at_budget", "waste_vs_block_size",
            "kv_memory_vs_length", "time_per_token_vs_length", "total_time_vs_length", "quality_vs_kv_memory",
            "perplexity_vs_position");

    private BenchCharts() {
    }

    /** Draws every chart the rows allow into {@code dir}; returns chart names (file stems), in drawing order. */
    public static List<String> draw(Results r, Path dir) {
        List<String> names = new ArrayList<>();
        throughputVsBatchLimit(r.runs(), dir, names);
        latencyVsLoad(r.runs(), dir, names);
        perStrategyBars(r.runs(), dir, names);
        capacity(r.runs(), dir, names);
        blockSize(r.runs(), dir, names);
        kvGrowth(r.kvGrowth(), r.env().model(), dir, names);
        longGen(r.longGen(), dir, names);
        quality(r.quality(), dir, names);
        perplexityVsPosition(r.qualityPositions(), dir, names);
        return names;
    }

    private static void throughputVsBatchLimit(List<ResultRow> rows, Path dir, List<String> names) {
        List<ResultRow> b = Rows.of(rows, "batching");
        if (b.isEmpty()) {
            return;
        }
        var groups = Rows.group(b, r -> r.point().batching() + " batching (" + r.strategy() + ")");
        save(ChartFiles.line("Throughput vs batch limit (" + b.get(0).workload() + ")",
                "batch limit (max running requests)", "output throughput (tokens/s)",
                Rows.series(groups, r -> r.point().batchLimit(), r -> r.latency().outputThroughput(), 1)), dir,
                "throughput_vs_batch_limit", names);
    }

    private static void latencyVsLoad(List<ResultRow> rows, Path dir, List<String> names) {
        List<ResultRow> l = Rows.of(rows, "load").stream()
                .filter(r -> Double.isFinite(r.point().requestRate())).toList();
        if (l.isEmpty()) {
            return;
        }
        var groups = Rows.group(l, ResultRow::strategy);
        Map<String, ChartFiles.Series> s = new LinkedHashMap<>();
        Rows.series(groups, r -> r.point().requestRate(), r -> r.latency().medianTtftMs(), 1)
                .forEach((k, v) -> s.put(k + " TTFT p50", v));
        Rows.series(groups, r -> r.point().requestRate(), r -> r.latency().medianE2elMs(), 1)
                .forEach((k, v) -> s.put(k + " E2EL p50", v));
        save(ChartFiles.line("Latency vs load (Poisson arrivals, " + l.get(0).workload() + ")",
                "request rate (requests/s)", "latency (ms)", s), dir, "latency_vs_load", names);
    }

    private static void perStrategyBars(List<ResultRow> rows, Path dir, List<String> names) {
        List<ResultRow> s = Rows.of(rows, "strategies");
        if (s.isEmpty()) {
            return;
        }
        List<String> cats = s.stream().map(ResultRow::label).toList();
        Map<String, List<Double>> waste = Map.of("KV waste (time-averaged)",
                s.stream().map(r -> r.engine().kvWastePct()).toList());
        save(ChartFiles.bars("KV waste per strategy (" + s.get(0).workload() + ")", "strategy",
                "reserved but not live (%)", cats, waste), dir, "kv_waste_by_strategy", names);
        Map<String, List<Double>> tput = Map.of("output throughput",
                s.stream().map(r -> r.latency().outputThroughput()).toList());
        save(ChartFiles.bars("Output throughput per strategy (" + s.get(0).workload() + ", " + s.get(0).env().model()
                + ")", "strategy", "output tokens/s", cats, tput), dir, "throughput_by_strategy", names);
    }

    private static void capacity(List<ResultRow> rows, Path dir, List<String> names) {
        List<ResultRow> c = Rows.of(rows, "capacity");
        if (c.isEmpty()) {
            return;
        }
        List<String> cats = c.stream().map(ResultRow::strategy).toList();
        Map<String, List<Double>> peak = Map.of("max concurrent sequences",
                c.stream().map(r -> (double) r.engine().maxConcurrentSeqs()).toList());
        save(ChartFiles.bars("Max concurrent sequences at a KV budget of " + c.get(0).point().kvBudgetTokens()
                        + " tokens (" + c.get(0).workload() + ")", "strategy", "sequences running at once",
                cats, peak), dir, "max_concurrent_at_budget", names);
    }

    private static void blockSize(List<ResultRow> rows, Path dir, List<String> names) {
        List<ResultRow> b = Rows.of(rows, "block-size").stream().filter(r -> r.point().blockSize() != null).toList();
        if (b.size() < 2) {
            return;
        }
        var groups = Rows.group(b, r -> r.strategy() + " KV waste");
        save(ChartFiles.line("KV waste vs block size (" + b.get(0).workload() + ")",
                "block size (tokens)", "reserved but not live (%)",
                Rows.series(groups, r -> r.point().blockSize(), r -> r.engine().kvWastePct(), 1)), dir,
                "waste_vs_block_size", names);
    }

    private static void kvGrowth(List<KvGrowthRow> rows, String model, Path dir, List<String> names) {
        if (rows.isEmpty()) {
            return;
        }
        var groups = Rows.group(rows, KvGrowthRow::strategy);
        Map<String, ChartFiles.Series> s = Rows.series(groups, KvGrowthRow::tokens, KvGrowthRow::reservedBytes,
                1 / MIB);
        var live = Rows.series(groups, KvGrowthRow::tokens, KvGrowthRow::liveBytes, 1 / MIB).values().stream()
                .max(java.util.Comparator.comparingDouble(v -> v.y()[v.y().length - 1])).orElseThrow();
        Map<String, ChartFiles.Series> all = new LinkedHashMap<>(s);
        all.put("K/V of the tokens themselves (zero waste)", live);
        save(ChartFiles.line("KV memory of one sequence vs its length (" + model + ")", "sequence length (tokens)",
                "KV reserved (MiB)", all), dir, "kv_memory_vs_length", names);
    }

    private static void longGen(List<LongGenRow> rows, Path dir, List<String> names) {
        if (rows.isEmpty()) {
            return;
        }
        var groups = Rows.group(rows, r -> label(r.strategy()));
        String model = rows.get(0).env().model();
        var steps = Rows.series(groups, LongGenRow::length, LongGenRow::stepMs, 1);
        save(ChartFiles.line("Time per token vs sequence length (" + model + ")", "sequence length (tokens)",
                "time of the step that makes the next token (ms)", steps), dir, "time_per_token_vs_length", names);
        Map<String, ChartFiles.Series> cum = new LinkedHashMap<>();
        steps.forEach((k, v) -> cum.put(k, cumulative(v)));
        save(ChartFiles.line("Total time to generate a sequence of n tokens (" + model + ")",
                "sequence length n (tokens)", "total time (s), trapezoidal sum of step times", cum), dir,
                "total_time_vs_length", names);
    }

    /**
     * KL(full ‖ strategy) against the K/V bytes held: one line per strategy with a token budget (per sink count when
     * it reads sinks), one point per full-holding strategy that holds K/V ({@code none} holds none).
     */
    private static void quality(List<QualityRow> rows, Path dir, List<String> names) {
        List<QualityRow> shown = rows.stream().filter(r -> r.kvBytesHeld() > 0).toList();
        if (shown.isEmpty()) {
            return;
        }
        var groups = Rows.group(shown, r -> !bounded(r.strategy()) ? r.strategy() + " (holds every token)"
                : readsSinks(r.strategy()) ? r.strategy() + ", " + r.sinks() + " sinks" : r.strategy());
        QualityRow any = shown.get(0);
        save(ChartFiles.line("Quality vs KV memory (" + any.env().model() + ", decode steps after a " + any.prompt()
                        + "-token prompt)",
                "KV held per sequence between steps (MiB)", "mean KL(full || strategy), nats per token",
                Rows.series(groups, r -> r.kvBytesHeld() / MIB, QualityRow::klFullStrategyNats, 1)), dir,
                "quality_vs_kv_memory", names);
    }

    /**
     * Perplexity per position bucket: the full cache and every strategy with a token budget at the smallest budget of
     * at least a fifth of the passage (with the most sinks, where read).
     */
    private static void perplexityVsPosition(List<QualityPositionRow> rows, Path dir, List<String> names) {
        List<QualityPositionRow> bounded = rows.stream().filter(r -> !r.label().equals(FULL) && bounded(r.strategy()))
                .toList();
        if (rows.isEmpty()) {
            return;
        }
        int length = rows.get(0).length();
        int budget = bounded.stream().mapToInt(QualityPositionRow::kvBudgetTokens).filter(b -> 5 * b >= length).min()
                .orElse(length);
        int sinks = bounded.stream().mapToInt(QualityPositionRow::sinks).max().orElse(0);
        List<QualityPositionRow> shown = rows.stream().filter(r -> r.label().equals(FULL)
                || bounded.contains(r) && r.kvBudgetTokens() == budget && (!readsSinks(r.strategy()) || r.sinks() == sinks))
                .toList();
        save(ChartFiles.line("Perplexity vs position (" + rows.get(0).env().model() + ", KV budget " + budget
                        + ", decode from " + rows.get(0).prompt() + ")",
                "query position (bucket start; position p predicts token p + 1)", "perplexity in the bucket",
                Rows.series(Rows.group(shown, QualityPositionRow::label), QualityPositionRow::positionFrom,
                        QualityPositionRow::perplexity, 1)), dir, "perplexity_vs_position", names);
    }

    /** The label of the quality experiment's reference curve. */
    static final String FULL = "full cache";

    /** Whether the registry describes {@code strategy} with a token budget (false for one it does not know). */
    static boolean bounded(String strategy) {
        return description(strategy).map(d -> d.tokenBudget().isPresent()).orElse(false);
    }

    /** Whether the registry describes {@code strategy} as reading sinks (false for one it does not know). */
    static boolean readsSinks(String strategy) {
        return description(strategy).map(d -> d.readsOption(dev.kvlab.cache.CacheOption.SINKS)).orElse(false);
    }

    private static java.util.Optional<dev.kvlab.cache.StrategyDescription> description(String strategy) {
        try {
            return java.util.Optional.of(dev.kvlab.cache.KvCacheRegistry.describe(strategy));
        } catch (IllegalArgumentException e) {   // a replotted run of a plugin that is not loaded now
            return java.util.Optional.empty();
        }
    }

    static String label(String strategy) {
        return strategy.equals("none") ? "none (no cache: recompute all)" : strategy + " (KV cache)";
    }

    /** Running trapezoidal totals, seconds, at each sampled length. */
    static ChartFiles.Series cumulative(ChartFiles.Series s) {
        double[] tot = new double[s.x().length];
        for (int i = 0; i < tot.length; i++) {
            int[] t = java.util.Arrays.stream(s.x()).limit(i + 1).mapToInt(d -> (int) d).toArray();
            double[] ms = java.util.Arrays.copyOf(s.y(), i + 1);
            tot[i] = LongGen.totalSeconds(t, ms, t[t.length - 1]);
        }
        return new ChartFiles.Series(s.x(), tot);
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path dir, String name,
                             List<String> names) {
        ChartFiles.save(chart, dir, name);
        names.add(name);
    }
}
