package dev.kvlab.runtime;

import java.util.SplittableRandom;

/**
 * Everything the runtime keeps for one request in flight, in one place: what was asked, what its caller wants as it
 * runs (listener, log-probabilities, minimum length), its own seeded sampling stream, and when things happened. It
 * rides along with the scheduler's request as its attachment ({@link dev.kvlab.scheduler.Request#attachment()}), so
 * the engine and sampling hold no per-request maps of their own.
 * Invariant: created at submit, dropped when the request finishes; only the engine loop touches it.
 */
final class LiveRequest {
    final GenerationRequest request;
    final LiveOptions options;
    final SplittableRandom stream;
    final Timeline timeline;

    LiveRequest(GenerationRequest request, LiveOptions options, long arrivalNanos) {
        this.request = request;
        this.options = options == null ? LiveOptions.NONE : options;
        this.stream = new SplittableRandom(request.sampling().seed());
        this.timeline = new Timeline(arrivalNanos);
    }

    /** EOS is suppressed for ignore_eos requests and for those below their minimum length. */
    boolean ignoresEos() {
        return request.ignoreEos() || timeline.numTokens() < options.minTokens();
    }

    /** Records and delivers a token sampled at {@code nanos}, with its log-probabilities (null unless asked). */
    void token(int tokenId, long nanos, TokenLogprobs logprobs) {
        timeline.token(nanos);
        if (options.listener() != null) {
            options.listener().onToken(tokenId, logprobs);
        }
    }

    /** Hands the result to the listener. */
    void finished(RequestResult result) {
        if (options.listener() != null) {
            options.listener().onFinish(result);
        }
    }
}
