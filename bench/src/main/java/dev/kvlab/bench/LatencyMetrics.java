package dev.kvlab.bench;

import java.util.List;

/**
 * The {@code vllm bench serve} metrics of one run, computed from request timings alone (no engine needed, so they
 * are tested on synthetic timelines). Duration runs from the benchmark start to the last output token of any
 * request; throughputs divide by it. TTFT, TPOT and E2EL have one value per completed request; ITL pools every
 * gap of every request (as vLLM does). A request is completed when it produced at least one token.
 *
 * @param completed            requests with output
 * @param failed               requests without output (rejected)
 * @param totalInputTokens     prompt tokens of completed requests
 * @param totalOutputTokens    output tokens of completed requests
 * @param durationS            start to last token, seconds
 * @param requestThroughput    completed / duration, req/s
 * @param outputThroughput     output tokens / duration, tok/s
 * @param totalTokenThroughput (input + output tokens) / duration, tok/s
 */
public record LatencyMetrics(int completed, int failed, long totalInputTokens, long totalOutputTokens,
                             double durationS, double requestThroughput, double outputThroughput,
                             double totalTokenThroughput, Stat ttft, Stat tpot, Stat itl, Stat e2el) {

    /** Metrics of {@code requests}, a run that started at {@code startNanos}. */
    public static LatencyMetrics of(List<RequestTiming> requests, long startNanos) {
        int completed = 0;
        long in = 0;
        long out = 0;
        long end = startNanos;
        int gaps = 0;
        for (RequestTiming r : requests) {
            if (r.outputTokens() > 0) {
                completed++;
                in += r.promptTokens();
                out += r.outputTokens();
                end = Math.max(end, r.lastNanos());
                gaps += r.outputTokens() - 1;
            }
        }
        double[] ttft = new double[completed];
        double[] tpot = new double[completed];
        double[] e2el = new double[completed];
        double[] itl = new double[gaps];
        int i = 0;
        int g = 0;
        for (RequestTiming r : requests) {
            if (r.outputTokens() > 0) {
                ttft[i] = r.ttftMs();
                tpot[i] = r.tpotMs();
                e2el[i++] = r.e2elMs();
                for (double d : r.itlMs()) {
                    itl[g++] = d;
                }
            }
        }
        double s = (end - startNanos) / 1e9;
        return new LatencyMetrics(completed, requests.size() - completed, in, out, s, rate(completed, s),
                rate(out, s), rate(in + out, s), Stat.of(ttft), Stat.of(tpot), Stat.of(itl), Stat.of(e2el));
    }

    private static double rate(double n, double seconds) {
        return seconds <= 0 ? Double.NaN : n / seconds;
    }
}
