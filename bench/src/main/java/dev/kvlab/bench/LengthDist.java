package dev.kvlab.bench;

import java.util.Random;

/**
 * A seeded length distribution: {@code round(median * exp(sigma * z))}, z standard normal, clipped to
 * {@code [min, max]}. {@code sigma = 0} gives the median every time.
 */
public record LengthDist(int median, double sigma, int min, int max) {
    /**
     * The log-normal spread used for ShareGPT-like lengths. ShareGPT's prompt and output lengths are right-skewed
     * with a long tail (vLLM paper: mean input 161, mean output 338 tokens); sigma 0.8 gives a mean of 1.38 x median
     * and a p99/median ratio of about 6.4, and lengths are clipped to [max(1, median / 8), 6 x median].
     */
    public static final double SHAREGPT_SIGMA = 0.8;

    public LengthDist {
        if (median < 1 || min < 1 || max < min || sigma < 0) {
            throw new IllegalArgumentException("bad length distribution " + median + "/" + sigma + " in [" + min + ", "
                    + max + "]");
        }
    }

    /** ShareGPT-like lengths around {@code median} (see {@link #SHAREGPT_SIGMA}). */
    public static LengthDist sharegptLike(int median) {
        return new LengthDist(median, SHAREGPT_SIGMA, Math.max(1, median / 8), 6 * median);
    }

    /** Always {@code n}. */
    public static LengthDist fixed(int n) {
        return new LengthDist(n, 0, n, n);
    }

    public int sample(Random rng) {
        double v = median * Math.exp(sigma * rng.nextGaussian());
        return (int) Math.max(min, Math.min(max, Math.round(v)));
    }
}
