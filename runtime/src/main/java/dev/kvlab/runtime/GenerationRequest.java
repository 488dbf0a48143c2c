package dev.kvlab.runtime;

/**
 * One request to the engine.
 *
 * @param id           caller's name for it, echoed in results
 * @param promptIds    prompt token ids (at least one)
 * @param maxNewTokens tokens to generate at most
 * @param sampling     how to pick tokens
 * @param ignoreEos    never pick EOS, so exactly {@code maxNewTokens} come out (vLLM's ignore_eos)
 * @param stopTokenIds further token ids that end the request (the stop token is kept in the output)
 */
public record GenerationRequest(String id, int[] promptIds, int maxNewTokens, SamplingParams sampling,
                                boolean ignoreEos, int[] stopTokenIds) {
    public GenerationRequest {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("request id must not be empty");
        }
        if (promptIds == null || promptIds.length == 0) {
            throw new IllegalArgumentException("request " + id + ": the prompt is empty");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("request " + id + ": max new tokens must be >= 1, got " + maxNewTokens);
        }
        promptIds = promptIds.clone();
        stopTokenIds = stopTokenIds == null ? new int[0] : stopTokenIds.clone();
    }

    /** A greedy request with no stop tokens. */
    public static GenerationRequest greedy(String id, int[] promptIds, int maxNewTokens, boolean ignoreEos) {
        return new GenerationRequest(id, promptIds, maxNewTokens, SamplingParams.GREEDY, ignoreEos, new int[0]);
    }
}
