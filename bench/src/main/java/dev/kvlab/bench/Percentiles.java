package dev.kvlab.bench;

import java.util.Arrays;

/**
 * Order statistics of a sample. The percentile definition is numpy's default ({@code method="linear"}, also
 * {@code vllm bench}'s {@code np.percentile}): sort the n values ascending, take rank {@code h = (n - 1) * p / 100},
 * and interpolate linearly between the values at {@code floor(h)} and {@code ceil(h)}. So p0 is the minimum, p100
 * the maximum, and p50 of an even-sized sample the mean of the two middle values.
 */
public final class Percentiles {
    private Percentiles() {
    }

    /** The {@code p}-th percentile (0..100) of {@code values}; NaN for an empty sample. */
    public static double of(double[] values, double p) {
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + p);
        }
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return ofSorted(sorted, p);
    }

    /** As {@link #of} for a sample already sorted ascending. */
    static double ofSorted(double[] sorted, double p) {
        double h = (sorted.length - 1) * p / 100.0;
        int lo = (int) Math.floor(h);
        int hi = (int) Math.ceil(h);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
