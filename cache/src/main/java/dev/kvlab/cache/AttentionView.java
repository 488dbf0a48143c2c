package dev.kvlab.cache;

/**
 * What one sequence's chunk attends to, in pool slots: the plain-data half of the seam.
 * The runtime consumes it in exactly one exhaustive {@code switch}. Positions are absolute token indices
 * (GPT-2 learns absolute position embeddings, so a stored K/V is tied to its position forever).
 */
public sealed interface AttentionView
        permits AttentionView.Recompute, AttentionView.Contiguous, AttentionView.Paged, AttentionView.Ring {

    /** Nothing is stored: the chunk is the whole sequence from position 0 and attends causally to itself. */
    record Recompute() implements AttentionView {
    }

    /**
     * Write, then read: after this step's writes, positions [0, numTokens) sit in slots
     * [baseSlot, baseSlot + numTokens). The read is a zero-copy view.
     */
    record Contiguous(int baseSlot, int numTokens) implements AttentionView {
    }

    /**
     * Write, then read: after this step's writes, position p sits in slot
     * {@code blockTable[p / blockSize] * blockSize + p % blockSize}, for p in [0, numTokens).
     */
    record Paged(int[] blockTable, int blockSize, int numTokens) implements AttentionView {
    }

    /**
     * Read, then write: the tokens held before this step, at {@code slots[i]} with absolute position
     * {@code positions[i]} (any order). The chunk attends to these plus itself, with the sliding-window-with-sinks
     * rule: query position p sees key position j iff j <= p and (j < sinks or j > p - (window - sinks)).
     */
    record Ring(int[] slots, int[] positions, int sinks, int window) implements AttentionView {
    }
}
