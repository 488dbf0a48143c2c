package dev.kvlab.scheduler;

/**
 * Per-step limits of the scheduler.
 *
 * @param maxSeqs          {@code --max-seqs}: the most requests running at once (holding cache between steps)
 * @param maxBatchedTokens {@code --max-batched-tokens}: the most tokens one step computes, over all its chunks.
 *                         A longer prompt is prefilled in chunks over several steps
 */
public record SchedulerConfig(int maxSeqs, int maxBatchedTokens) {

    /** vLLM V1's online-serving defaults: 256 sequences, 2048 tokens per step. */
    public static final SchedulerConfig DEFAULTS = new SchedulerConfig(256, 2048);

    public SchedulerConfig {
        if (maxSeqs < 1) {
            throw new IllegalArgumentException("--max-seqs must be >= 1, got " + maxSeqs);
        }
        if (maxBatchedTokens < 1) {
            throw new IllegalArgumentException("--max-batched-tokens must be >= 1, got " + maxBatchedTokens);
        }
    }
}
