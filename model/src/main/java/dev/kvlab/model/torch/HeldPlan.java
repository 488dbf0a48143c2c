package dev.kvlab.model.torch;

import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.StatsRequest;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * How one chunk with an {@link AttentionView.Held} view attends, per layer: the layer's held slots (the chunk's own
 * tokens last, written before the read) and the position mask. Built once per step; layers whose view arrays are the
 * same instance share one tensor.
 *
 * @param row           first row of the chunk in the step
 * @param numRows       tokens of the chunk (n)
 * @param firstPosition the chunk's first position
 * @param chunkIndex    the chunk's index in the step's batch (for its statistics)
 * @param slots         per layer, {@code [held_l]} int64 pool slots
 * @param masks         per layer, {@code [n, held_l]} bool (true = attend: held position &lt;= query position), or
 *                      null when every query sees every entry (a one-token chunk: all entries precede it or are it)
 * @param heldCounts    per layer, held_l
 * @param stats         what the cache asked to measure
 * @param view          the view itself (int8 writes read its per-layer slots on the host)
 */
record HeldPlan(int row, int numRows, int firstPosition, int chunkIndex, Tensor[] slots, Tensor[] masks,
                int[] heldCounts, StatsRequest stats, AttentionView.Held view) {

    static HeldPlan of(SeqChunk c, int row, int chunkIndex, AttentionView.Held view, Device device) {
        int layers = view.numLayers();
        Tensor[] slots = new Tensor[layers];
        Tensor[] masks = new Tensor[layers];
        int[] counts = new int[layers];
        Tensor queries = c.numTokens() == 1 ? null
                : Tensors.range(c.firstPosition(), c.endPosition(), device).unsqueeze(1);               // [n, 1]
        for (int l = 0; l < layers; l++) {
            counts[l] = view.numHeld(l);
            int same = sameAs(view, l);
            if (same < l) {
                slots[l] = slots[same];
                masks[l] = masks[same];
                continue;
            }
            slots[l] = Tensors.longs(view.slots()[l], device);
            masks[l] = queries == null ? null
                    : Tensors.longs(view.positions()[l], device).unsqueeze(0).le(queries);               // [n, held]
        }
        return new HeldPlan(row, c.numTokens(), c.firstPosition(), chunkIndex, slots, masks, counts,
                c.granted().stats(), view);
    }

    /** The first layer whose arrays are the same instances as layer l's (l itself when none before). */
    private static int sameAs(AttentionView.Held v, int l) {
        for (int j = 0; j < l; j++) {
            if (v.slots()[j] == v.slots()[l] && v.positions()[j] == v.positions()[l]) {
                return j;
            }
        }
        return l;
    }
}
