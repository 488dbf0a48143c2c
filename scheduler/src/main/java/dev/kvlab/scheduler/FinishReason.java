package dev.kvlab.scheduler;

/** Why a request finished. Every finished request has exactly one. */
public enum FinishReason {
    /** It generated {@link StopConditions#maxNewTokens()} tokens. */
    LENGTH,
    /** It generated the end-of-sequence token and did not ignore it. */
    EOS,
    /** It generated one of {@link StopConditions#stopTokenIds()}. */
    STOP_TOKEN,
    /** The caller cancelled it. */
    CANCELLED,
    /** It can never run: longer than the model's context, or more KV than the whole pool holds. */
    REJECTED,
    /** The step failed for it (e.g. the model's logits for it were NaN or infinite); the detail says why. */
    ERROR;

    /** The lower-case name results and metrics carry ({@code stop_token}). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
