package dev.kvlab.model.torch;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.StatsRequest;
import java.util.Arrays;
import java.util.List;

/**
 * Lowers the view of a one-token chunk to the runs of pool slots its query attends to ({@link DecodeRows}), after
 * the step's writes: the one dispatch over {@link AttentionView} for the decode-attention call. A new view type
 * joins by lowering itself to runs here; the kernels never see views.
 *
 * <ul>
 *   <li>Contiguous: one run, {@code [baseSlot, baseSlot + numTokens)}.</li>
 *   <li>Paged: one run per block (the last one trimmed to the tokens held), consecutive blocks merged.</li>
 *   <li>Ring: its visible slots in storage order, no reordering: GPT-2 adds absolute position embeddings before
 *       attention, so the order keys are summed in does not matter. The new token is written first: its slot is
 *       free or holds the position it evicts ({@code p - (W - S)}), which the sliding-window rule already hides.</li>
 *   <li>Held (per layer, eviction): layer l's held slots in storage order; its last entry is the token's own slot
 *       in layer l, written first ({@link #layerWriteSlot}). A chunk that asks for statistics also records, per key
 *       in run order, its entry in the view ({@link DecodeStats}): the call returns the probabilities in run order
 *       and they are handed over in the view's entry order.</li>
 * </ul>
 */
final class SlotRuns {
    private SlotRuns() {
    }

    /** Appends the runs of decode chunk {@code c} (one token) to the row {@code out} has just begun. */
    static void lower(SeqChunk c, DecodeRows.Builder out) {
        lower(c, 0, out);
    }

    /** As {@link #lower(SeqChunk, DecodeRows.Builder)}, for layer {@code layer} (only per-layer views care). */
    static void lower(SeqChunk c, int layer, DecodeRows.Builder out) {
        if (c.numTokens() != 1) {
            throw new IllegalArgumentException("a decode row is a chunk of one token, got " + c.numTokens());
        }
        AttentionView view = c.granted().view();
        if (view instanceof AttentionView.Contiguous v) {
            requireEnds(c, v.numTokens());
            out.addRun(v.baseSlot(), v.numTokens());
        } else if (view instanceof AttentionView.Paged v) {
            requireEnds(c, v.numTokens());
            paged(v, out);
        } else if (view instanceof AttentionView.Ring v) {
            ring(c, v, out);
        } else if (view instanceof AttentionView.Held v) {
            held(c, v, layer, out);
        } else {
            throw new IllegalStateException("no decode lowering for view " + view.getClass().getName());
        }
    }

    /**
     * Whether a one-token chunk with this grant goes through {@link #lower}: not Recompute (no pool to read), and
     * statistics only with a Held view (the view statistics go with, {@link dev.kvlab.cache.StatsRequest}).
     */
    static boolean lowers(Allocation.Granted g) {
        return !(g.view() instanceof AttentionView.Recompute)
                && (!g.stats().wantsAny() || g.view() instanceof AttentionView.Held);
    }

    /** Layers of the per-layer views among {@code chunks}; 0 when every view reads the same slots in every layer. */
    static int layers(List<SeqChunk> chunks) {
        for (SeqChunk c : chunks) {
            if (c.granted().view() instanceof AttentionView.Held v) {
                return v.numLayers();
            }
        }
        return 0;
    }

    /** The slot a per-layer view writes its token to in layer {@code layer}; -1 for views that write per step. */
    static int layerWriteSlot(SeqChunk c, int layer) {
        if (c.granted().view() instanceof AttentionView.Held v) {
            int[] slots = v.slots()[layer];
            return slots[slots.length - 1];
        }
        return -1;
    }

    private static void held(SeqChunk c, AttentionView.Held v, int layer, DecodeRows.Builder out) {
        int p = c.firstPosition();
        int[] slots = v.slots()[layer];
        int[] positions = v.positions()[layer];
        if (slots.length == 0 || positions[slots.length - 1] != p) {
            throw new IllegalStateException("a Held view's last entry is the chunk's token at " + p);
        }
        StatsRequest asked = c.granted().stats();
        if (!asked.wantsAny()) {
            int[] visible = new int[slots.length];
            int n = 0;
            for (int i = 0; i < slots.length; i++) {
                if (positions[i] <= p) {
                    visible[n++] = slots[i];
                }
            }
            runsOf(visible, n, out);
            return;
        }
        long[] slotEntry = new long[slots.length];   // slot << 32 | entry: sorting by slot carries the entry along
        int n = 0;
        for (int i = 0; i < slots.length; i++) {
            if (positions[i] <= p) {
                slotEntry[n++] = (long) slots[i] << 32 | i;
            }
        }
        Arrays.sort(slotEntry, 0, n);
        int[] sorted = new int[n];
        boolean attends = asked.wantsAttention() && p >= asked.attentionFrom();
        int[] entries = attends ? new int[n] : null;
        for (int j = 0; j < n; j++) {
            sorted[j] = (int) (slotEntry[j] >>> 32);
            if (attends) {
                entries[j] = (int) slotEntry[j];
            }
        }
        runsOf(sorted, n, out);
        out.statsRow(slots.length, asked.wantsAttention(), attends, asked.keyNorms(), slots[slots.length - 1], entries);
    }

    private static void paged(AttentionView.Paged v, DecodeRows.Builder out) {
        int bs = v.blockSize();
        int[] table = v.blockTable();
        for (int b = 0; b * bs < v.numTokens(); b++) {
            out.addRun(table[b] * bs, Math.min(bs, v.numTokens() - b * bs));
        }
    }

    private static void ring(SeqChunk c, AttentionView.Ring v, DecodeRows.Builder out) {
        int p = c.firstPosition();
        int[] written = c.granted().writeSlots();
        if (written.length != 1) {
            throw new IllegalStateException("a ring decode token is always held, but " + written.length
                    + " slots are written");
        }
        int[] visible = new int[v.slots().length + 1];
        int n = 0;
        for (int i = 0; i < v.slots().length; i++) {
            int j = v.positions()[i];
            if (j <= p && (j < v.sinks() || j > p - (v.window() - v.sinks()))) {
                if (v.slots()[i] == written[0]) {
                    throw new IllegalStateException("ring slot " + written[0] + " is written while position " + j
                            + " in it is still visible");
                }
                visible[n++] = v.slots()[i];
            }
        }
        visible[n++] = written[0];
        runsOf(visible, n, out);
    }

    /** Sorts {@code slots[0, n)} (storage order) and appends them as runs of consecutive slots. */
    private static void runsOf(int[] slots, int n, DecodeRows.Builder out) {
        int[] visible = slots;
        Arrays.sort(visible, 0, n);
        int start = 0;
        for (int i = 1; i <= n; i++) {
            if (i == n || visible[i] != visible[i - 1] + 1) {
                out.addRun(visible[start], i - start);
                start = i;
            }
        }
    }

    private static void requireEnds(SeqChunk c, int keys) {
        if (c.endPosition() != keys) {
            throw new IllegalStateException("chunk ends at " + c.endPosition() + " but the view holds " + keys);
        }
    }
}
