package dev.kvlab.model.torch;

import dev.kvlab.cache.Allocation.Granted;
import dev.kvlab.cache.AttentionView;
import java.util.Arrays;

/**
 * One sequence's share of a step: the tokens to run, where they sit, and what the cache granted.
 *
 * @param tokenIds      the tokens this step runs through the model (for {@link AttentionView.Recompute}: the whole
 *                      sequence from position 0)
 * @param firstPosition absolute position of {@code tokenIds[0]}
 * @param granted       the cache's answer for this chunk: slots to write, view to read
 * @param wantLogits    whether this chunk's last token produces logits (it reaches the end of the known tokens)
 */
public record SeqChunk(int[] tokenIds, int firstPosition, Granted granted, boolean wantLogits) {
    public SeqChunk {
        if (tokenIds.length == 0) {
            throw new IllegalArgumentException("a chunk needs at least one token");
        }
        if (firstPosition < 0) {
            throw new IllegalArgumentException("negative position " + firstPosition);
        }
    }

    /**
     * The chunk for a sequence whose known tokens are {@code allTokens} and whose new tokens start at
     * {@code firstNew}: the new tokens, or everything when the cache stores nothing.
     */
    public static SeqChunk of(int[] allTokens, int firstNew, Granted granted, boolean wantLogits) {
        if (granted.view() instanceof AttentionView.Recompute) {
            return new SeqChunk(allTokens.clone(), 0, granted, wantLogits);
        }
        return new SeqChunk(Arrays.copyOfRange(allTokens, firstNew, allTokens.length), firstNew, granted, wantLogits);
    }

    public int numTokens() {
        return tokenIds.length;
    }

    /** One past the last position of the chunk. */
    public int endPosition() {
        return firstPosition + tokenIds.length;
    }
}
