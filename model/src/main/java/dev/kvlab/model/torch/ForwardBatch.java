package dev.kvlab.model.torch;

import java.util.List;

/**
 * Everything one step runs: chunks of many sequences, concatenated in this order ("rows" below are their tokens
 * laid end to end). An immutable value passed explicitly: no per-step state hides in globals.
 *
 * @param chunks         the step's chunks
 * @param batchInvariant run every row through the same reductions it would get alone ({@link BatchInvariantOps}):
 *                       bitwise the same logits in any batch, slower
 */
public record ForwardBatch(List<SeqChunk> chunks, boolean batchInvariant) {
    /** A step in the default (fast, batch-dependent in the last bits) mode. */
    public ForwardBatch(List<SeqChunk> chunks) {
        this(chunks, false);
    }

    public ForwardBatch {
        if (chunks.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one chunk");
        }
        chunks = List.copyOf(chunks);
    }

    /** Total tokens of the step. */
    public int numRows() {
        int n = 0;
        for (SeqChunk c : chunks) {
            n += c.numTokens();
        }
        return n;
    }

    /** Chunks that produce logits, in order; the logits tensor has one row per such chunk. */
    public int numLogitRows() {
        int n = 0;
        for (SeqChunk c : chunks) {
            n += c.wantLogits() ? 1 : 0;
        }
        return n;
    }
}
