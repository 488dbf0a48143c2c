package dev.kvlab.bench;

import dev.kvlab.runtime.EngineStats;
import java.util.List;

/**
 * One finished run: what it was, what each request saw, and the engine's counters.
 *
 * @param config  the sweep point
 * @param timings one per request, in workload order
 * @param stats   the engine's counters (KV usage, peak running, preemptions, prefix hits)
 * @param metrics latency and throughput computed from {@code timings}
 */
public record RunResult(RunConfig config, List<RequestTiming> timings, EngineStats stats, LatencyMetrics metrics) {
    public RunResult {
        timings = List.copyOf(timings);
    }
}
