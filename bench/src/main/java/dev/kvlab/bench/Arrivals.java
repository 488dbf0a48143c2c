package dev.kvlab.bench;

import java.util.Locale;
import java.util.Random;

/**
 * When requests arrive: all at once at time 0 (vLLM's request rate {@code inf}), or a Poisson process at
 * {@code rate} requests per second (exponential gaps, seeded; the first request arrives at 0, as vLLM sends it).
 *
 * @param rate requests per second; {@code +Infinity} means all at once
 */
public record Arrivals(double rate) {
    public static final Arrivals ALL_AT_ONCE = new Arrivals(Double.POSITIVE_INFINITY);

    /** Lowest rate accepted: at 0.01 req/s, 16 requests already span about 27 minutes. */
    public static final double MIN_RATE = 0.01;

    public Arrivals {
        if (!(rate >= MIN_RATE)) {
            throw new IllegalArgumentException("request rate must be >= " + MIN_RATE + " req/s (or inf), got " + rate);
        }
    }

    /** Parses {@code inf} or a positive number of requests per second. */
    public static Arrivals parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.equals("inf") || v.equals("all")) {
            return ALL_AT_ONCE;
        }
        try {
            return new Arrivals(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("request rate must be a number or inf, got '" + s + "'");
        }
    }

    public boolean allAtOnce() {
        return Double.isInfinite(rate);
    }

    /** Arrival offsets in ms, non-decreasing, the first 0. */
    public double[] offsetsMs(int n, long seed) {
        double[] out = new double[n];
        Random rng = new Random(seed ^ 0x5DEECE66DL);
        for (int i = 1; i < n; i++) {
            out[i] = allAtOnce() ? 0 : out[i - 1] - Math.log(1 - rng.nextDouble()) / rate * 1000.0;
        }
        return out;
    }

    /** {@code inf} or the rate. */
    public String label() {
        return allAtOnce() ? "inf" : Tables.number(rate);
    }
}
