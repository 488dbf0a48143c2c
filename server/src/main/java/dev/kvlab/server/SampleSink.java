package dev.kvlab.server;

import dev.kvlab.runtime.RequestResult;
import dev.kvlab.runtime.TokenLogprobs;

/**
 * Where the engine thread sends what happens to one engine request (one sample of one prompt). Called on the engine
 * thread: implementations hand the event to their own thread and return at once.
 */
interface SampleSink {
    /**
     * A token came out.
     *
     * @param logprobs null unless asked for
     * @param finished the request's result when this token ended it, else null
     */
    void onToken(int token, TokenLogprobs logprobs, RequestResult finished);

    /** The request ended without a token in its last step (cancelled, rejected). */
    void onFinish(RequestResult result);

    /** The engine failed; the request is gone. */
    void onFailure(String message);
}
