package dev.kvlab.runtime;

/**
 * How one request picks its next token.
 *
 * @param temperature 0 means greedy (argmax); otherwise logits are divided by it; at most {@link #MAX_TEMPERATURE}.
 *                    Any positive value is safe, however small: the sampler divides logit differences, never
 *                    logits, so nothing overflows to NaN
 * @param topK        keep the k most likely tokens; 0 = no limit
 * @param topP        keep the smallest set of tokens whose probability reaches p; 1.0 = no limit
 * @param seed        seeds this request's own random stream, so its samples do not depend on batching
 */
public record SamplingParams(double temperature, int topK, double topP, long seed) {
    public static final SamplingParams GREEDY = new SamplingParams(0.0, 0, 1.0, 0L);

    /** Highest temperature accepted: far past the point where sampling is uniform over the kept tokens. */
    public static final double MAX_TEMPERATURE = 100.0;

    public SamplingParams {
        if (!(temperature >= 0.0 && temperature <= MAX_TEMPERATURE)) {
            throw new IllegalArgumentException("temperature must be in [0, " + (int) MAX_TEMPERATURE + "], got "
                    + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0.0 && topP <= 1.0)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
    }

    public boolean greedy() {
        return temperature == 0.0;
    }
}
