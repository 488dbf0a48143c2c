package dev.kvlab.bench;

/**
 * {@link LatencyMetrics} as result columns, with {@code vllm bench} names ({@code mean_ttft_ms}, {@code p99_itl_ms}).
 */
public record LatencyColumns(int completed, int failed, long totalInputTokens, long totalOutputTokens,
                             @com.google.gson.annotations.SerializedName("duration") double durationS,
                             double requestThroughput, double outputThroughput, double totalTokenThroughput,
                             double meanTtftMs, double medianTtftMs, double stdTtftMs, double p90TtftMs,
                             double p99TtftMs, double meanTpotMs, double medianTpotMs, double stdTpotMs,
                             double p90TpotMs, double p99TpotMs, double meanItlMs, double medianItlMs,
                             double stdItlMs, double p90ItlMs, double p99ItlMs, double meanE2elMs,
                             double medianE2elMs, double stdE2elMs, double p90E2elMs, double p99E2elMs) {

    static LatencyColumns of(LatencyMetrics x) {
        Stat a = x.ttft();
        Stat b = x.tpot();
        Stat c = x.itl();
        Stat d = x.e2el();
        return new LatencyColumns(x.completed(), x.failed(), x.totalInputTokens(), x.totalOutputTokens(),
                x.durationS(), x.requestThroughput(), x.outputThroughput(), x.totalTokenThroughput(),
                a.mean(), a.median(), a.std(), a.p90(), a.p99(), b.mean(), b.median(), b.std(), b.p90(), b.p99(),
                c.mean(), c.median(), c.std(), c.p90(), c.p99(), d.mean(), d.median(), d.std(), d.p90(), d.p99());
    }
}
