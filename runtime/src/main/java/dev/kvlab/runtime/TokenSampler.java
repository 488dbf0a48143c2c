package dev.kvlab.runtime;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Samples one token from one row of float32 logits on the host, in double precision: temperature, then top-k,
 * then top-p (nucleus), then a draw from the request's own random stream. Greedy requests never come here: the
 * engine takes their argmax on the device. Ties and order are deterministic: candidates sort by logit, then id.
 */
final class TokenSampler {
    private TokenSampler() {
    }

    /**
     * @param logits     {@code [vocab]} one request's logits (suppressed tokens already -inf)
     * @param p          sampling settings (not greedy)
     * @param random     the request's stream; advanced by exactly one draw
     */
    static int sample(float[] logits, SamplingParams p, SplittableRandom random) {
        Integer[] order = candidates(logits);
        int keep = p.topK() > 0 ? Math.min(p.topK(), order.length) : order.length;
        double max = logits[order[0]] / p.temperature();
        double[] probs = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp(logits[order[i]] / p.temperature() - max);
            sum += probs[i];
        }
        keep = nucleus(probs, sum, p.topP());
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += probs[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= probs[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /** Token ids with a finite logit, most likely first. */
    private static Integer[] candidates(float[] logits) {
        Integer[] ids = new Integer[logits.length];
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] != Float.NEGATIVE_INFINITY) {
                ids[n++] = i;
            }
        }
        if (n == 0) {
            throw new IllegalStateException("every token is suppressed");
        }
        Integer[] c = Arrays.copyOf(ids, n);
        Arrays.sort(c, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        return c;
    }

    /** How many of the sorted probabilities to keep so that their mass reaches {@code topP} of {@code sum}. */
    private static int nucleus(double[] probs, double sum, double topP) {
        if (topP >= 1.0) {
            return probs.length;
        }
        double acc = 0;
        for (int i = 0; i < probs.length; i++) {
            acc += probs[i];
            if (acc >= topP * sum) {
                return i + 1;
            }
        }
        return probs.length;
    }
}
