package dev.kvlab.scheduler;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.SeqId;
import java.util.Arrays;
import java.util.List;

/**
 * One request's share of a step: compute positions {@code [firstPosition(), tokenIds.length)}. There is no prefill
 * or decode flag: a decode is a chunk of one token. Its arrays belong to the plan; nobody changes them.
 *
 * @param requestId    the request
 * @param seq          its sequence in the cache
 * @param tokenIds     every token of the sequence through the end of the chunk (what the cache saw; a
 *                     {@link dev.kvlab.cache.AttentionView.Recompute} view needs all of them)
 * @param numNewTokens how many tokens this step computes, at least 1
 * @param allocation   the cache's answer for this chunk: slots to write, view to read
 * @param samples      the chunk reaches the end of the known tokens, so its last position yields the next token
 * @param attachment   the request's {@link Request#attachment()}, handed back untouched
 * @param forks        fork children that sample their first token from this chunk's last position too (the chunk
 *                     ends the prompt of a request with pending forks); they are forked off its cache in
 *                     {@link Scheduler#update}. Usually empty
 */
public record ScheduledChunk(RequestId requestId, SeqId seq, int[] tokenIds, int numNewTokens,
                             Allocation.Granted allocation, boolean samples, Object attachment, List<Fork> forks) {

    /**
     * A fork child sampling from its parent's chunk.
     *
     * @param requestId  the child
     * @param attachment its {@link Request#attachment()}
     */
    public record Fork(RequestId requestId, Object attachment) {
    }

    public ScheduledChunk {
        if (numNewTokens < 1 || numNewTokens > tokenIds.length) {
            throw new IllegalArgumentException(requestId + ": numNewTokens " + numNewTokens + " outside [1, "
                    + tokenIds.length + "]");
        }
        forks = List.copyOf(forks);
        if (!forks.isEmpty() && !samples) {
            throw new IllegalArgumentException(requestId + ": only a sampling chunk carries forks");
        }
    }

    /** A chunk without forks. */
    public ScheduledChunk(RequestId requestId, SeqId seq, int[] tokenIds, int numNewTokens,
                          Allocation.Granted allocation, boolean samples, Object attachment) {
        this(requestId, seq, tokenIds, numNewTokens, allocation, samples, attachment, List.of());
    }

    /** Position of the chunk's first token. */
    public int firstPosition() {
        return tokenIds.length - numNewTokens;
    }

    /** One past the chunk's last position: the sequence's numTokens as the cache sees it after this step. */
    public int endPosition() {
        return tokenIds.length;
    }

    /** The chunk's own tokens, {@code tokenIds[firstPosition(), endPosition())}. */
    public int[] newTokenIds() {
        return Arrays.copyOfRange(tokenIds, firstPosition(), tokenIds.length);
    }

    @Override
    public String toString() {
        return requestId + "[" + firstPosition() + "," + endPosition() + ")" + (samples ? "*" : "");
    }
}
