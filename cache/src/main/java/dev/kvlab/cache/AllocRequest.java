package dev.kvlab.cache;

/**
 * Asks a cache for room for a sequence's next chunk of tokens.
 *
 * @param seq          the sequence; opened on its first request
 * @param tokenIds     every token of the sequence up to the end of this chunk (length = tokens seen after it);
 *                     used for prefix hashing, never for math
 * @param numNewTokens tokens this step computes: positions [tokenIds.length - numNewTokens, tokenIds.length)
 * @param maxTokens    the most tokens this sequence can ever have (prompt + max new tokens): the reservation hint
 * @param promptLength tokens of the request's prompt (generated tokens follow it), in [1, maxTokens]; policies that
 *                     act at the end of the prompt (snapkv) read it. Recompute after preemption keeps it
 */
public record AllocRequest(SeqId seq, int[] tokenIds, int numNewTokens, int maxTokens, int promptLength) {
    public AllocRequest {
        if (seq == null || tokenIds == null) {
            throw new IllegalArgumentException("seq and tokenIds must be given");
        }
        if (numNewTokens <= 0 || numNewTokens > tokenIds.length) {
            throw new IllegalArgumentException("numNewTokens must be in [1, " + tokenIds.length + "], got " + numNewTokens);
        }
        if (maxTokens < tokenIds.length) {
            throw new IllegalArgumentException("maxTokens " + maxTokens + " < tokens seen " + tokenIds.length);
        }
        if (promptLength <= 0 || promptLength > maxTokens) {
            throw new IllegalArgumentException("promptLength must be in [1, " + maxTokens + "], got " + promptLength);
        }
    }

    /** A request from a caller that does not say where the prompt ends: every token seen so far counts as prompt. */
    public AllocRequest(SeqId seq, int[] tokenIds, int numNewTokens, int maxTokens) {
        this(seq, tokenIds, numNewTokens, maxTokens, Math.max(1, tokenIds.length));
    }

    /** Position of the first token of this chunk. */
    public int firstPosition() {
        return tokenIds.length - numNewTokens;
    }

    /** One past the last position of this chunk: the tokens seen after it. */
    public int endPosition() {
        return tokenIds.length;
    }
}
