package dev.kvlab.cache;

/**
 * What one sequence's chunk attends to, in pool slots: the plain-data half of the seam.
 * The runtime consumes it in exactly one exhaustive {@code switch}. Positions are absolute token indices
 * (GPT-2 learns absolute position embeddings, so a stored K/V is tied to its position forever).
 */
public sealed interface AttentionView
        permits AttentionView.Recompute, AttentionView.Contiguous, AttentionView.Paged, AttentionView.Ring,
        AttentionView.Held {

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

    /**
     * Write, then read, per layer: the tokens layer {@code l} holds after this step's writes sit at
     * {@code slots[l][i]} with absolute position {@code positions[l][i]}, and the last {@code n} entries of every layer
     * are this chunk's n tokens in chunk order (entry {@code size - n + c} is chunk token c). The runtime writes chunk
     * token c of layer l to that slot of layer l's pool (layers have separate slot spaces), then query position p of
     * layer l attends to the entries with position &lt;= p. Layers may hold different tokens (eviction decides per
     * layer); when two layers hold the same, the arrays may be the same instance. Positions stay absolute: GPT-2
     * adds learned position embeddings before attention, so a kept K/V needs no re-rotation after others are evicted.
     * This view is the one {@link StatsRequest}s go with: statistics index keys in this entry order.
     *
     * @param slots     per layer, the held slots; shape [layers][held of layer l]
     * @param positions per layer, the absolute position of each held slot, distinct; shape [layers][held of layer l]
     */
    record Held(int[][] slots, int[][] positions) implements AttentionView {
        public Held {
            if (slots.length != positions.length || slots.length == 0) {
                throw new IllegalArgumentException("slots and positions need one entry per layer");
            }
            for (int l = 0; l < slots.length; l++) {
                if (slots[l].length != positions[l].length) {
                    throw new IllegalArgumentException("layer " + l + ": slots and positions differ in length");
                }
            }
        }

        public int numLayers() {
            return slots.length;
        }

        /** Tokens layer {@code l} holds during the step, this chunk included. */
        public int numHeld(int l) {
            return slots[l].length;
        }
    }
}
