package dev.kvlab.bench;

import java.util.Arrays;

/**
 * What the harness measured for one request, on one monotonic clock ({@code System.nanoTime()}).
 * The arrival is the time the workload says the request arrived (not when the loop got round to submitting it),
 * so queueing before submission counts towards TTFT as it does for a real server.
 * Invariant: {@code arrivalNanos <= tokenNanos[0] <= tokenNanos[1] <= ...}.
 *
 * @param id           the request id
 * @param promptTokens prompt length (real tokens; padding of a static batch excluded)
 * @param arrivalNanos arrival time
 * @param tokenNanos   time each of its own output tokens came out, oldest first
 * @param preemptions  times it lost its cache
 */
public record RequestTiming(String id, int promptTokens, long arrivalNanos, long[] tokenNanos, int preemptions) {
    public RequestTiming {
        tokenNanos = tokenNanos.clone();
        for (int i = 0; i < tokenNanos.length; i++) {
            long prev = i == 0 ? arrivalNanos : tokenNanos[i - 1];
            if (tokenNanos[i] < prev) {
                throw new IllegalArgumentException("request " + id + ": token " + i + " comes before "
                        + (i == 0 ? "its arrival" : "the previous token"));
            }
        }
    }

    public int outputTokens() {
        return tokenNanos.length;
    }

    /** Arrival to first token, ms; NaN without output. */
    public double ttftMs() {
        return tokenNanos.length == 0 ? Double.NaN : ms(tokenNanos[0] - arrivalNanos);
    }

    /** vLLM's TPOT: (E2EL - TTFT) / (output tokens - 1), ms; NaN with fewer than two tokens. */
    public double tpotMs() {
        int n = tokenNanos.length;
        return n < 2 ? Double.NaN : ms(tokenNanos[n - 1] - tokenNanos[0]) / (n - 1);
    }

    /** Gaps between consecutive output tokens, ms. */
    public double[] itlMs() {
        double[] gaps = new double[Math.max(0, tokenNanos.length - 1)];
        for (int i = 1; i < tokenNanos.length; i++) {
            gaps[i - 1] = ms(tokenNanos[i] - tokenNanos[i - 1]);
        }
        return gaps;
    }

    /** Arrival to last token, ms; NaN without output. */
    public double e2elMs() {
        return tokenNanos.length == 0 ? Double.NaN : ms(tokenNanos[tokenNanos.length - 1] - arrivalNanos);
    }

    /** Time of the last output token; the arrival when there is none. */
    public long lastNanos() {
        return tokenNanos.length == 0 ? arrivalNanos : tokenNanos[tokenNanos.length - 1];
    }

    @Override
    public long[] tokenNanos() {
        return tokenNanos.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestTiming t && id.equals(t.id) && promptTokens == t.promptTokens
                && arrivalNanos == t.arrivalNanos && Arrays.equals(tokenNanos, t.tokenNanos)
                && preemptions == t.preemptions;
    }

    @Override
    public int hashCode() {
        return id.hashCode() * 31 + Arrays.hashCode(tokenNanos);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
