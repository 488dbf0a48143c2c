package dev.kvlab.runtime;

import dev.kvlab.model.torch.Gpt2Model;
import java.util.Arrays;

/**
 * Teacher-forced perplexity of a token sequence under a strategy. A sequence longer than the context is scored as
 * consecutive windows of n_positions tokens, each starting from an empty cache (its first token is context only);
 * every other token is scored once.
 *
 * @param nllPerToken  mean negative log-likelihood of the scored tokens, nats
 * @param numTokens    scored tokens: the sequence's length minus one per window
 * @param numWindows   windows the sequence was split into
 * @param peakLiveBytes the most K/V bytes the strategy held during a step of any window
 * @param peakHeldBytes the most K/V bytes it held between steps (after its evictions) in any window
 */
public record Perplexity(double nllPerToken, long numTokens, int numWindows, long peakLiveBytes, long peakHeldBytes) {

    /** exp(nllPerToken). */
    public double perplexity() {
        return Math.exp(nllPerToken);
    }

    /**
     * Scores {@code ids} (at least 2 tokens, each below the vocabulary size) under {@code forcing}.
     *
     * @throws IllegalArgumentException for fewer than 2 tokens or an id outside the vocabulary
     */
    public static Perplexity of(Gpt2Model model, CachedTeacherForcing forcing, int[] ids) {
        int vocab = model.config().vocabSize();
        if (ids.length < 2) {
            throw new IllegalArgumentException("perplexity needs at least 2 tokens, got " + ids.length);
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " at index " + i + " outside [0, " + vocab
                        + ")");
            }
        }
        int ctx = model.config().nPositions();
        double sum = 0;
        long n = 0;
        int windows = 0;
        long peak = 0;
        long held = 0;
        for (int start = 0; start < ids.length - 1; start += ctx) {
            int[] w = Arrays.copyOfRange(ids, start, Math.min(ids.length, start + ctx));
            windows++;
            if (w.length < 2) {
                continue;
            }
            CachedTeacherForcing.Pass pass = forcing.run(model, w);
            for (double v : QualityMetrics.nll(pass.logits(), vocab, w)) {
                sum += v;
                n++;
            }
            peak = Math.max(peak, pass.peakLiveBytes());
            held = Math.max(held, pass.peakHeldBytes());
        }
        return new Perplexity(sum / n, n, windows, peak, held);
    }
}
