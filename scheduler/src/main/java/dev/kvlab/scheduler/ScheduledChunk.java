package dev.kvlab.scheduler;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.SeqId;
import java.util.Arrays;

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
 */
public record ScheduledChunk(RequestId requestId, SeqId seq, int[] tokenIds, int numNewTokens,
                             Allocation.Granted allocation, boolean samples, Object attachment) {

    public ScheduledChunk {
        if (numNewTokens < 1 || numNewTokens > tokenIds.length) {
            throw new IllegalArgumentException(requestId + ": numNewTokens " + numNewTokens + " outside [1, "
                    + tokenIds.length + "]");
        }
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
