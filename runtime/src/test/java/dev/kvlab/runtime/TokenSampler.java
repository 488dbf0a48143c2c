package dev.kvlab.runtime;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The tests' oracle for {@link dev.kvlab.model.torch.DeviceSampler}, which the engine samples with: one token from
 * one row of float32 logits on the host, in double precision, by the same rules (temperature, then top-k, then
 * top-p, then one draw; thresholds, ties to the lower ids, the draw in vocabulary order; see DeviceSampler's
 * invariants), spelled out as plain loops over the vocabulary instead of tensor ops. TokenSamplerTest checks it
 * against a sort-based reference; DeviceSamplerTest checks the device sampler against it.
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
        Kept k = kept(logits, p);
        return draw(k.weights(), k.keep(), u);
    }

    /**
     * What the draw sees, and the walk the nucleus took (the tests measure how near a draw or the nucleus
     * threshold lies to an edge).
     *
     * @param weights  {@code [vocab]} the kept tokens' weights, 0 for the others
     * @param keep     {@code [vocab]} the kept tokens
     * @param topKMass {@code [k]} the top-k weights' mass summed from the largest down (what the nucleus compares
     *                 to top-p of the last entry); empty when top-p is 1
     */
    record Kept(double[] weights, boolean[] keep, double[] topKMass) {
    }

    static Kept kept(float[] logits, SamplingParams p) {
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
        double[] mass = new double[0];
        if (p.topP() < 1.0) {
            mass = nucleus(w, keep, p.topP());
        }
        return new Kept(w, keep, mass);
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
    private static double[] nucleus(double[] w, boolean[] keep, double topP) {
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
        double[] mass = new double[n];
        for (int i = n - 1, at = 0; i >= 0; i--, at++) {
            mass[at] = (at == 0 ? 0 : mass[at - 1]) + sorted[i];
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
        return mass;
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
