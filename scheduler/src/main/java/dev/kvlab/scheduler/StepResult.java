package dev.kvlab.scheduler;

import java.util.Map;

/**
 * What the model produced in one step: the sampled token of every chunk that {@link ScheduledChunk#samples()}.
 *
 * @param sampledTokens request id to its new token (a token id, >= 0)
 */
public record StepResult(Map<RequestId, Integer> sampledTokens) {

    public StepResult {
        sampledTokens = Map.copyOf(sampledTokens);
        sampledTokens.forEach((id, token) -> {
            if (token < 0) {
                throw new IllegalArgumentException(id + ": sampled token id must be >= 0, got " + token);
            }
        });
    }

    /** For a step where no chunk sampled (every chunk was part of a longer prefill). */
    public static StepResult none() {
        return new StepResult(Map.of());
    }
}
