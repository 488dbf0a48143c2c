package dev.kvlab.runtime;

import dev.kvlab.scheduler.FinishReason;

/**
 * A finished request.
 *
 * @param id             the caller's id
 * @param promptIds      its prompt
 * @param generatedIds   tokens generated (a stop or EOS token that ended it included)
 * @param finishReason   length, eos, stop_token, cancelled, rejected, or error (the step failed for it: non-finite
 *                       logits; the detail says why)
 * @param detail         why, for people (e.g. the reason a request was rejected); empty otherwise
 * @param timeline       arrival and token times
 * @param numPreemptions times it lost its cache and was recomputed
 */
public record RequestResult(String id, int[] promptIds, int[] generatedIds, FinishReason finishReason, String detail,
                            Timeline timeline, int numPreemptions) {

    public boolean rejected() {
        return finishReason == FinishReason.REJECTED;
    }

    public boolean failed() {
        return finishReason == FinishReason.ERROR;
    }
}
