package dev.kvlab.runtime;

import java.util.Arrays;

/**
 * When things happened to one request, in nanoseconds of one monotonic clock ({@code System.nanoTime()}).
 * Metric definitions follow {@code vllm bench}: TTFT = arrival to first token; ITL = gaps between consecutive
 * tokens; TPOT = (last token - first token) / (tokens - 1); E2EL = arrival to last token.
 * Invariant: arrival <= token times, token times non-decreasing.
 */
public final class Timeline {
    private final long arrivalNanos;
    private long[] tokenNanos = new long[8];
    private int numTokens;

    public Timeline(long arrivalNanos) {
        this.arrivalNanos = arrivalNanos;
    }

    /** Records a generated token at {@code nanos}. */
    public void token(long nanos) {
        if (nanos < arrivalNanos || (numTokens > 0 && nanos < tokenNanos[numTokens - 1])) {
            throw new IllegalArgumentException("token time goes backwards");
        }
        if (numTokens == tokenNanos.length) {
            tokenNanos = Arrays.copyOf(tokenNanos, numTokens * 2);
        }
        tokenNanos[numTokens++] = nanos;
    }

    public long arrivalNanos() {
        return arrivalNanos;
    }

    public int numTokens() {
        return numTokens;
    }

    /** Token times, oldest first. */
    public long[] tokenNanos() {
        return Arrays.copyOf(tokenNanos, numTokens);
    }

    /** Arrival to first token, ms; NaN before the first token. */
    public double ttftMs() {
        return numTokens == 0 ? Double.NaN : ms(tokenNanos[0] - arrivalNanos);
    }

    /** Mean time per output token after the first, ms; NaN with fewer than two tokens. */
    public double tpotMs() {
        return numTokens < 2 ? Double.NaN : ms(tokenNanos[numTokens - 1] - tokenNanos[0]) / (numTokens - 1);
    }

    /** Gaps between consecutive tokens, ms. */
    public double[] itlMs() {
        double[] gaps = new double[Math.max(0, numTokens - 1)];
        for (int i = 1; i < numTokens; i++) {
            gaps[i - 1] = ms(tokenNanos[i] - tokenNanos[i - 1]);
        }
        return gaps;
    }

    /** Arrival to last token, ms; NaN before the first token. */
    public double e2elMs() {
        return numTokens == 0 ? Double.NaN : ms(tokenNanos[numTokens - 1] - arrivalNanos);
    }

    /** First to last token, ms (the generation phase); 0 with fewer than two tokens. */
    public double decodeMs() {
        return numTokens < 2 ? 0.0 : ms(tokenNanos[numTokens - 1] - tokenNanos[0]);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
