package dev.kvlab.runtime;

/**
 * Receives a live request's tokens as the engine samples them, on the engine's thread, right after the step that
 * sampled them (before the request's {@link RequestResult} comes out of {@link Engine#step()}). Must return quickly:
 * a listener that blocks stalls every request of the engine.
 */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param tokenId  the token just appended to the request's output
     * @param logprobs its log-probabilities, or null when the request did not ask for them
     */
    void onToken(int tokenId, TokenLogprobs logprobs);
}
