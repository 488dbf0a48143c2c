package dev.kvlab.runtime;

/**
 * What a live caller (the HTTP server) wants from a request beyond {@link GenerationRequest}: its tokens as they
 * come, their log-probabilities, and a minimum output length.
 *
 * @param listener    gets each token as it is sampled; null = none
 * @param topLogprobs log-probabilities with this many top tokens per sampled token; -1 = none (computed on the
 *                    device; only the values asked for cross to the host)
 * @param minTokens   EOS is never picked before this many tokens came out (vLLM's min_tokens); 0 = no minimum
 */
public record LiveOptions(TokenListener listener, int topLogprobs, int minTokens) {
    public static final LiveOptions NONE = new LiveOptions(null, -1, 0);

    public LiveOptions {
        if (topLogprobs < -1) {
            throw new IllegalArgumentException("topLogprobs must be >= -1, got " + topLogprobs);
        }
        if (minTokens < 0) {
            throw new IllegalArgumentException("minTokens must be >= 0, got " + minTokens);
        }
    }

    public boolean wantsLogprobs() {
        return topLogprobs >= 0;
    }
}
