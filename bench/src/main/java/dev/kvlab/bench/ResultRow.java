package dev.kvlab.bench;

import dev.kvlab.runtime.EngineStats;
import dev.kvlab.runtime.KvUsage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The flat record of one run: environment, sweep point, workload and metrics, with {@code vllm bench} metric names
 * ({@code request_throughput}, {@code output_throughput}, {@code mean_ttft_ms}, {@code p99_itl_ms}, ...). The same
 * keys, in the same order, become a JSON line and a CSV row. Byte columns are bytes; MiB only in summaries.
 */
public final class ResultRow {
    private ResultRow() {
    }

    public static Map<String, Object> of(BenchEnv env, String experiment, WorkloadSpec workload, RunResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", experiment);
        m.put("label", r.config().label());
        point(m, r.config());
        m.put("workload", workload.label());
        m.putAll(env.columns());
        metrics(m, r.metrics());
        engine(m, r.stats());
        return m;
    }

    /**
     * Adds how the repeats of a point spread: {@code repeats} and the min and max output throughput over them
     * (the row's own metrics are those of the median repeat).
     */
    public static void spread(Map<String, Object> row, double[] outputThroughputs) {
        row.put("repeats", outputThroughputs.length);
        row.put("output_throughput_min", java.util.Arrays.stream(outputThroughputs).min().orElse(Double.NaN));
        row.put("output_throughput_max", java.util.Arrays.stream(outputThroughputs).max().orElse(Double.NaN));
    }

    /** One row per request of a run: arrival (ms after the first), lengths, TTFT, TPOT, E2EL, preemptions. */
    public static java.util.List<Map<String, Object>> requests(String experiment, RunResult r) {
        java.util.List<Map<String, Object>> out = new java.util.ArrayList<>();
        long start = r.timings().stream().mapToLong(RequestTiming::arrivalNanos).min().orElse(0);
        for (RequestTiming t : r.timings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("experiment", experiment);
            m.put("label", r.config().label());
            m.put("id", t.id());
            m.put("arrival_ms", (t.arrivalNanos() - start) / 1e6);
            m.put("prompt_tokens", t.promptTokens());
            m.put("output_tokens", t.outputTokens());
            m.put("ttft_ms", t.ttftMs());
            m.put("tpot_ms", t.tpotMs());
            m.put("e2el_ms", t.e2elMs());
            m.put("preemptions", t.preemptions());
            out.add(m);
        }
        return out;
    }

    private static void point(Map<String, Object> m, RunConfig c) {
        m.put("strategy", c.strategy());
        m.put("batching", c.batching());
        m.put("batch_limit", c.batchLimit());
        m.put("kv_budget_tokens", c.kvBudgetTokens());
        m.put("block_size", c.baseStrategy().equals("paged") ? c.blockSize() : null);
        m.put("window", c.baseStrategy().equals("ring") ? c.window() : null);
        m.put("max_batched_tokens", c.maxBatchedTokens());
        m.put("request_rate", c.arrivals().allAtOnce() ? "inf" : c.arrivals().rate());
    }

    private static void metrics(Map<String, Object> m, LatencyMetrics x) {
        m.put("completed", x.completed());
        m.put("failed", x.failed());
        m.put("total_input_tokens", x.totalInputTokens());
        m.put("total_output_tokens", x.totalOutputTokens());
        m.put("duration", x.durationS());
        m.put("request_throughput", x.requestThroughput());
        m.put("output_throughput", x.outputThroughput());
        m.put("total_token_throughput", x.totalTokenThroughput());
        stat(m, "ttft", x.ttft());
        stat(m, "tpot", x.tpot());
        stat(m, "itl", x.itl());
        stat(m, "e2el", x.e2el());
    }

    private static void stat(Map<String, Object> m, String name, Stat s) {
        m.put("mean_" + name + "_ms", s.mean());
        m.put("median_" + name + "_ms", s.median());
        m.put("std_" + name + "_ms", s.std());
        m.put("p90_" + name + "_ms", s.p90());
        m.put("p99_" + name + "_ms", s.p99());
    }

    private static void engine(Map<String, Object> m, EngineStats s) {
        KvUsage kv = s.kv();
        m.put("steps", s.steps());
        m.put("max_concurrent_seqs", s.peakRunning());
        m.put("preemptions", s.preemptions());
        m.put("prefix_cache_hit_rate", s.prefixHitRate());
        m.put("kv_bytes_per_token", kv.bytesPerToken());
        m.put("kv_capacity_bytes", kv.capacityBytes());
        m.put("kv_mean_reserved_bytes", mean(kv.sumReservedTokens(), kv.steps()) * kv.bytesPerToken());
        m.put("kv_mean_live_bytes", mean(kv.sumLiveTokens(), kv.steps()) * kv.bytesPerToken());
        m.put("kv_peak_reserved_bytes", kv.peakReservedBytes());
        m.put("kv_peak_live_bytes", kv.peakLiveBytes());
        m.put("kv_waste_pct", kv.wastePercent());
        m.put("kv_peak_blocks_used", kv.peakBlocksUsed());
    }

    private static double mean(long sum, long n) {
        return n == 0 ? 0.0 : (double) sum / n;
    }
}
