package dev.kvlab.bench;

import java.util.Locale;

/**
 * What requests a run serves; {@link Workloads#build} turns it into requests, the same ones for the same seed.
 *
 * @param kind         {@code fixed} (every request: promptTokens in, outputTokens out), {@code mixed}
 *                     (ShareGPT-like log-normal lengths with these medians, see {@link LengthDist#sharegptLike}) or
 *                     {@code shared-prefix} (one system prompt of prefixTokens, then a promptTokens suffix each)
 * @param requests     how many requests, 1 to {@link #MAX_REQUESTS}
 * @param promptTokens prompt length (fixed), median prompt length (mixed), suffix length (shared-prefix)
 * @param outputTokens output length (fixed, shared-prefix) or median output length (mixed)
 * @param prefixTokens shared-prefix: system prompt length
 * @param seed         seeds lengths and token ids
 */
public record WorkloadSpec(String kind, int requests, int promptTokens, int outputTokens, int prefixTokens,
                           long seed) {
    public static final String FIXED = "fixed";
    public static final String MIXED = "mixed";
    public static final String SHARED_PREFIX = "shared-prefix";
    /** Most requests a workload may have: every request's prompt and timings are held in memory. */
    public static final int MAX_REQUESTS = 1_000_000;

    public WorkloadSpec {
        kind = kind == null ? MIXED : kind.toLowerCase(Locale.ROOT);
        if (!kind.equals(FIXED) && !kind.equals(MIXED) && !kind.equals(SHARED_PREFIX)) {
            throw new IllegalArgumentException("--workload must be fixed, mixed or shared-prefix, got '" + kind + "'");
        }
        if (requests > MAX_REQUESTS) {
            throw new IllegalArgumentException("--requests must be at most " + MAX_REQUESTS + ", got " + requests);
        }
        if (requests < 1 || promptTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("workload needs requests, prompt tokens and output tokens >= 1, got "
                    + requests + ", " + promptTokens + ", " + outputTokens);
        }
        if (kind.equals(SHARED_PREFIX) && prefixTokens < 1) {
            throw new IllegalArgumentException("--prefix-tokens must be >= 1 for shared-prefix, got " + prefixTokens);
        }
    }

    /** A short label, e.g. {@code mixed-16x24/24}. */
    public String label() {
        String p = kind.equals(SHARED_PREFIX) ? prefixTokens + "+" + promptTokens : String.valueOf(promptTokens);
        return kind + "-" + requests + "x" + p + "/" + outputTokens;
    }
}
