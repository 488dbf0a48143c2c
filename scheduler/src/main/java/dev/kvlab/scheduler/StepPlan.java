package dev.kvlab.scheduler;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What one step computes: essentially {@code {requestId: numNewTokens}} plus each chunk's allocation. Immutable;
 * hand it back to {@link Scheduler#update} with the step's {@link StepResult}.
 *
 * @param step      the step's index, from 0
 * @param chunks    running requests first, in arrival order, then the requests admitted this step
 * @param preempted requests whose cache this step freed; they wait at the front of the queue and recompute later
 */
public record StepPlan(long step, List<ScheduledChunk> chunks, List<RequestId> preempted) {

    public StepPlan {
        chunks = List.copyOf(chunks);
        preempted = List.copyOf(preempted);
    }

    /** Tokens this step computes, over all chunks; at most {@link SchedulerConfig#maxBatchedTokens()}. */
    public int numScheduledTokens() {
        int n = 0;
        for (ScheduledChunk c : chunks) {
            n += c.numNewTokens();
        }
        return n;
    }

    /** True only when the scheduler had no work. */
    public boolean isEmpty() {
        return chunks.isEmpty();
    }

    /**
     * Requests whose chunk samples, and the fork children sampling from such a chunk: the keys a {@link StepResult}
     * for this plan must have.
     */
    public Set<RequestId> samplingIds() {
        return chunks.stream().filter(ScheduledChunk::samples)
                .flatMap(c -> Stream.concat(Stream.of(c.requestId()),
                        c.forks().stream().map(ScheduledChunk.Fork::requestId)))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Throws {@link IllegalArgumentException} unless {@code result} has exactly one token per sampling chunk. */
    public void requireMatches(StepResult result) {
        Set<RequestId> expected = samplingIds();
        if (!expected.equals(result.sampledTokens().keySet())) {
            throw new IllegalArgumentException("step " + step + ": tokens expected for " + expected + ", got "
                    + result.sampledTokens().keySet());
        }
    }

    @Override
    public String toString() {
        return "step " + step + " " + chunks + (preempted.isEmpty() ? "" : " preempted " + preempted);
    }
}
