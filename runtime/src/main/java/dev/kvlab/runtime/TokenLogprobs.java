package dev.kvlab.runtime;

/**
 * Log-probabilities of one sampled token under the model's distribution at that step (log-softmax of the raw logits,
 * before temperature, top-k/top-p or EOS suppression, as vLLM reports them by default).
 *
 * @param logprob     of the sampled token
 * @param topIds      the most likely token ids, most likely first (ties: lower id first); shape [k]
 * @param topLogprobs their log-probabilities; shape [k]
 */
public record TokenLogprobs(double logprob, int[] topIds, double[] topLogprobs) {
    public TokenLogprobs {
        if (topIds.length != topLogprobs.length) {
            throw new IllegalArgumentException("top ids and log-probabilities differ in length");
        }
        topIds = topIds.clone();
        topLogprobs = topLogprobs.clone();
    }

    @Override
    public int[] topIds() {
        return topIds.clone();
    }

    @Override
    public double[] topLogprobs() {
        return topLogprobs.clone();
    }

    /**
     * Computes them from one row of logits, in double precision: the host reference (the engine computes the same
     * on the device, {@link dev.kvlab.model.torch.DeviceLogprobs}, and copies back only what is reported).
     *
     * @param logits {@code [vocab]} the raw logits of the step
     * @param token  the sampled token
     * @param k      how many top tokens to report (0 allowed)
     */
    public static TokenLogprobs of(float[] logits, int token, int k) {
        double logZ = logNormalizer(logits);
        int[] top = topK(logits, Math.min(k, logits.length));
        double[] lp = new double[top.length];
        for (int i = 0; i < top.length; i++) {
            lp[i] = logits[top[i]] - logZ;
        }
        return new TokenLogprobs(logits[token] - logZ, top, lp);
    }

    /** {@code log(sum(exp(logits)))} in double precision, stable (the max is taken out first): log p = logit - it. */
    public static double logNormalizer(float[] logits) {
        return logNormalizer(logits, 0, logits.length);
    }

    /** {@link #logNormalizer(float[])} of the row {@code logits[from, from + n)}. */
    public static double logNormalizer(float[] logits, int from, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < from + n; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = from; i < from + n; i++) {
            sum += Math.exp(logits[i] - max);
        }
        return max + Math.log(sum);
    }

    /** The k largest entries' indices, largest first, ties to the lower index; O(vocab * k). */
    private static int[] topK(float[] logits, int k) {
        int[] top = new int[k];
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            int at = n;
            while (at > 0 && logits[top[at - 1]] < logits[i]) {
                at--;
            }
            if (at < k) {
                System.arraycopy(top, at, top, at + 1, Math.min(n, k - 1) - at);
                top[at] = i;
                n = Math.min(n + 1, k);
            }
        }
        return top;
    }
}
