package dev.kvlab.runtime;

/**
 * Receives one request's output as the engine produces it: each token right after the step that sampled it (before
 * the request's {@link RequestResult} comes out of {@link Engine#step()}), then the result once. Called on the thread
 * that runs {@link Engine#step()}, in token order; a token once delivered is never taken back (a preempted request
 * keeps its output and recomputes only its K/V). Must return quickly and must not call back into the engine: a
 * listener that blocks stalls every request of the engine.
 */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param tokenId  the token just appended to the request's output
     * @param logprobs its log-probabilities, or null when the request did not ask for them
     */
    void onToken(int tokenId, TokenLogprobs logprobs);

    /** The request finished (any {@link dev.kvlab.scheduler.FinishReason}); no call follows. */
    default void onFinish(RequestResult result) {
    }
}
