package dev.kvlab.runtime;

/**
 * Counters of one engine since it was built.
 *
 * @param steps           forward passes run
 * @param computedTokens  tokens the forward passes computed (prefill chunks and decodes; recomputed ones again;
 *                        not those attached from the prefix cache or shared by a fork)
 * @param preemptions     times a request lost its cache to make room
 * @param prefixHitTokens prompt tokens found in the prefix cache instead of computed
 * @param promptTokens    prompt tokens of submitted requests
 * @param peakRunning     most requests running at once
 * @param kv              KV memory over the run
 */
public record EngineStats(long steps, long computedTokens, long preemptions, long prefixHitTokens, long promptTokens,
                          int peakRunning, KvUsage kv) {

    /** Share of prompt tokens served from the prefix cache. */
    public double prefixHitRate() {
        return promptTokens == 0 ? 0.0 : (double) prefixHitTokens / promptTokens;
    }
}
