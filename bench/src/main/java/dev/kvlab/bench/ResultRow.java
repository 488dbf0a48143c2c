package dev.kvlab.bench;

/**
 * The record of one run: experiment, sweep point, workload, environment, metrics and engine counters, flattened into
 * columns by {@link FlatRecord} in this order (one JSON line and one CSV row each). The metrics are those of the
 * median repeat; {@code repeats} and the min and max output throughput over the repeats say how they spread.
 */
public record ResultRow(String experiment, String label, RunPoint point, String workload, BenchEnv env,
                        LatencyColumns latency, EngineColumns engine, int repeats, double outputThroughputMin,
                        double outputThroughputMax) {

    /** The row of {@code r}, measured in {@code env}, whose repeats had {@code outputThroughputs}. */
    public static ResultRow of(BenchEnv env, String experiment, WorkloadSpec workload, RunResult r,
                               double[] outputThroughputs) {
        return new ResultRow(experiment, r.config().label(), RunPoint.of(r.config()), workload.label(), env,
                LatencyColumns.of(r.metrics()), EngineColumns.of(r.stats()), outputThroughputs.length,
                java.util.Arrays.stream(outputThroughputs).min().orElse(Double.NaN),
                java.util.Arrays.stream(outputThroughputs).max().orElse(Double.NaN));
    }

    /** This row under another label (runs against a server are labelled by what varies there). */
    public ResultRow withLabel(String l) {
        return new ResultRow(experiment, l, point, workload, env, latency, engine, repeats, outputThroughputMin,
                outputThroughputMax);
    }

    public String strategy() {
        return point.strategy();
    }
}
