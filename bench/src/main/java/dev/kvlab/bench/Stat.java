package dev.kvlab.bench;

import java.util.Arrays;

/**
 * Summary of one latency sample, in milliseconds, as {@code vllm bench} reports it: mean, median, population
 * standard deviation ({@code np.std}), p90 and p99 ({@link Percentiles}). All NaN for an empty sample.
 */
public record Stat(int count, double mean, double median, double std, double p90, double p99) {

    public static final Stat EMPTY = new Stat(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** The summary of {@code values}; NaN entries are dropped first. */
    public static Stat of(double[] values) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return EMPTY;
        }
        double mean = Arrays.stream(v).sum() / v.length;
        double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / v.length;
        return new Stat(v.length, mean, Percentiles.ofSorted(v, 50), Math.sqrt(var), Percentiles.ofSorted(v, 90),
                Percentiles.ofSorted(v, 99));
    }
}
