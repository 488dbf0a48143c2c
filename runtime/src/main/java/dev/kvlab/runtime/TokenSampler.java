package dev.kvlab.runtime;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Samples one token from one row of float32 logits on the host, in double precision: temperature, then top-k,
 * then top-p (nucleus), then one draw from the request's own random stream. Greedy requests never come here: the
 * engine takes their argmax on the device.
 *
 * <p>Invariant (stability): the kept tokens are found by thresholds (the k-th largest logit; the probability at
 * which the nucleus reaches top-p) and the draw walks the kept tokens in <em>vocabulary order</em>, never in an
 * order sorted by logit. So a tiny change of the logits (the last bits a batched matmul differs in) moves each
 * token's interval of the unit draw by a tiny amount and changes the sampled token only when the draw falls within
 * that amount of an interval edge, or a token sits exactly at the top-k/top-p threshold. A sorted walk would
 * reorder near-equal tokens and hand a draw to a different token far from any edge. Ties at a threshold keep the
 * lower token ids. Temperature divides logit differences ({@code (l - max) / T}), so any {@code T > 0}, however
 * small, gives finite weights (tiny T tends to greedy), never NaN.
 */
final class TokenSampler {
    private TokenSampler() {
    }

    /**
     * @param logits {@code [vocab]} one request's logits, finite except suppressed tokens (-inf)
     * @param p      sampling settings (not greedy)
     * @param random the request's stream; advanced by exactly one draw
     */
    static int sample(float[] logits, SamplingParams p, SplittableRandom random) {
        return sample(logits, p, random.nextDouble());
    }

    /** The same with the uniform draw {@code u} in {@code [0, 1)} given. */
    static int sample(float[] logits, SamplingParams p, double u) {
        int candidates = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            if (l != Float.NEGATIVE_INFINITY) {
                candidates++;
                max = Math.max(max, l);
            }
        }
        if (candidates == 0) {
            throw new IllegalStateException("every token is suppressed");
        }
        boolean[] keep = topK(logits, p.topK() > 0 ? Math.min(p.topK(), candidates) : candidates);
        double[] w = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            w[i] = keep[i] ? Math.exp(((double) logits[i] - max) / p.temperature()) : 0.0;
        }
        if (p.topP() < 1.0) {
            nucleus(w, keep, p.topP());
        }
        return draw(w, keep, u);
    }

    /** Marks the {@code k} largest logits (ties at the k-th value: lowest ids first). */
    private static boolean[] topK(float[] logits, int k) {
        boolean[] keep = new boolean[logits.length];
        float threshold = Float.NEGATIVE_INFINITY;
        if (k < logits.length) {
            float[] sorted = logits.clone();
            Arrays.sort(sorted);
            threshold = sorted[sorted.length - k];
        }
        int kept = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > threshold && logits[i] != Float.NEGATIVE_INFINITY) {
                keep[i] = true;
                kept++;
            }
        }
        for (int i = 0; i < logits.length && kept < k; i++) {
            if (logits[i] == threshold && !keep[i] && threshold != Float.NEGATIVE_INFINITY) {
                keep[i] = true;
                kept++;
            }
        }
        return keep;
    }

    /**
     * Keeps the smallest set of most probable kept tokens whose mass reaches {@code topP} of the kept mass: finds
     * the weight at which the mass, summed from the largest weight down, first reaches it, and drops every token
     * below that weight (ties at it: lowest ids first, up to the count reached).
     */
    private static void nucleus(double[] w, boolean[] keep, double topP) {
        int n = 0;
        for (boolean k : keep) {
            n += k ? 1 : 0;
        }
        double[] sorted = new double[n];
        int j = 0;
        for (int i = 0; i < w.length; i++) {
            if (keep[i]) {
                sorted[j++] = w[i];
            }
        }
        Arrays.sort(sorted);
        double sum = 0;
        for (int i = n - 1; i >= 0; i--) {
            sum += sorted[i];
        }
        double acc = 0;
        int count = 0;
        double threshold = sorted[n - 1];
        for (int i = n - 1; i >= 0; i--) {
            acc += sorted[i];
            count++;
            threshold = sorted[i];
            if (acc >= topP * sum) {
                break;
            }
        }
        int kept = 0;
        for (int i = 0; i < w.length; i++) {
            if (keep[i] && w[i] > threshold) {
                kept++;
            } else if (keep[i] && w[i] < threshold) {
                keep[i] = false;
                w[i] = 0;
            }
        }
        for (int i = 0; i < w.length; i++) {
            if (keep[i] && w[i] == threshold) {
                if (kept < count) {
                    kept++;
                } else {
                    keep[i] = false;
                    w[i] = 0;
                }
            }
        }
    }

    /** The token whose interval of {@code [0, total)}, laid out in vocabulary order, holds {@code u * total}. */
    private static int draw(double[] w, boolean[] keep, double u) {
        double total = 0;
        int last = -1;
        for (int i = 0; i < w.length; i++) {
            if (keep[i]) {
                total += w[i];
                last = i;
            }
        }
        double x = u * total;
        for (int i = 0; i < w.length; i++) {
            if (keep[i]) {
                x -= w[i];
                if (x < 0) {
                    return i;
                }
            }
        }
        return last;
    }
}
