package dev.kvlab.scheduler;

/**
 * Counters since the scheduler was built.
 *
 * @param steps            plans made
 * @param scheduledTokens  tokens planned over all steps (recomputed ones included)
 * @param preemptions      times a running request lost its cache to make room
 * @param discardedTokens  computed tokens whose K/V preemption freed: work done again later
 * @param prefixHitTokens  tokens attached from the prefix cache at admission instead of computed
 * @param peakRunning      the most requests running at once
 */
public record SchedulerStats(long steps, long scheduledTokens, long preemptions, long discardedTokens,
                             long prefixHitTokens, int peakRunning) {
}
