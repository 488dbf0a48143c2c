package dev.kvlab.model.torch;

import dev.kvlab.cache.Allocation.Granted;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.StatsRequest;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * A step's inputs on the device, built once and shared by every layer: token ids, positions, which rows produce
 * logits, where K/V are written, the decode rows' slot runs and each other chunk's attention plan. T = rows of the
 * step. Writes are split by the view's protocol: contiguous/paged write before reading ("pre"), ring after
 * ("post"); a ring's decode row writes before reading too (see {@link SlotRuns}).
 *
 * <p>Chunks with an {@link AttentionView.Held} view (eviction policies) read and write their own slots per layer.
 * A one-token Held chunk is a decode row (per-layer runs, {@link #decode(int)}, its write in {@link #pre(int)}) when
 * decode rows are on, with or without statistics (the decode-attention call measures them, {@link DecodeStats});
 * every other Held chunk (prefill chunks, or all of them when decode rows are off, e.g. for int8 pools) goes to
 * {@code held} ({@link HeldAttention}), its per-layer writes in {@link #heldWrites}, before reading.
 *
 * <p>Invariant: every row is in exactly one of {@code decode}, {@code plans} and {@code held}.
 */
final class StepInputs {
    final Tensor ids;        // [T] int64
    final Tensor positions;  // [T] int64
    final Tensor logitRows;  // [S] int64, S = chunks that want logits
    final Writes pre;        // null when no chunk writes before reading
    final Writes post;       // null when no chunk writes after reading
    final List<ChunkPlan> plans;  // chunks that do not go through the decode-attention call
    final DecodeRows decode;      // one-token chunks for the decode-attention call (empty when it is off), layer 0
    final List<HeldPlan> held;    // Held chunks read per layer by HeldAttention (prefill, int8, decode rows off)
    private final Writes[] heldWrites;  // per layer: the Held chunks' writes; null when there are none
    final int numRows;            // T
    private final Device device;
    private final DecodeRows[] decodeByLayer;   // per layer when a decode row's view is per layer (Held), else null
    private final Writes[] preByLayer;          // pre plus the per-layer writes of Held decode rows, else null
    private final BatchedDecode.Index[] decodeIndex;  // per layer (or [1] shared), built on first use
    private final int[] decodeChunk;                  // [R] the step's chunk index of each decode row
    private final StatsRequest[] decodeAsked;  // [R] what each decode row's grant asks to measure

    /** Rows {@code rows} of this step's K/V go to pool slots {@code slots}. */
    record Writes(Tensor slots, Tensor rows) {   // both [W] int64
    }

    /**
     * @param decodeRows whether one-token chunks that read the pool go to the decode-attention call ({@code decode})
     *                   rather than to {@code plans}
     */
    StepInputs(ForwardBatch batch, Device device, boolean decodeRows) {
        int[] ids = new int[batch.numRows()];
        int[] pos = new int[ids.length];
        int[] logit = new int[batch.numLogitRows()];
        IntList preSlots = new IntList();
        IntList preRows = new IntList();
        IntList postSlots = new IntList();
        IntList postRows = new IntList();
        List<ChunkPlan> ps = new ArrayList<>();
        List<SeqChunk> decodeChunks = new ArrayList<>();
        IntList decodeRowIndex = new IntList();
        IntList decodeChunkIndex = new IntList();
        List<HeldPlan> hs = new ArrayList<>();
        List<AttentionView.Held> heldViews = new ArrayList<>();
        int row = 0;
        int s = 0;
        int chunkIndex = 0;
        for (SeqChunk c : batch.chunks()) {
            for (int i = 0; i < c.numTokens(); i++) {
                ids[row + i] = c.tokenIds()[i];
                pos[row + i] = c.firstPosition() + i;
            }
            if (c.wantLogits()) {
                logit[s++] = row + c.numTokens() - 1;
            }
            boolean decodeRow = decodeRows && c.numTokens() == 1 && SlotRuns.lowers(c.granted());
            boolean post = !decodeRow && c.granted().view() instanceof AttentionView.Ring;
            collectWrites(c.granted(), row, post ? postSlots : preSlots, post ? postRows : preRows);
            if (decodeRow) {
                decodeChunks.add(c);
                decodeRowIndex.add(row);
                decodeChunkIndex.add(chunkIndex);
            } else if (c.granted().view() instanceof AttentionView.Held h) {
                hs.add(HeldPlan.of(c, row, chunkIndex, h, device));
                heldViews.add(h);
            } else {
                ps.add(plan(c, row, device));
            }
            row += c.numTokens();
            chunkIndex++;
        }
        this.held = List.copyOf(hs);
        this.heldWrites = heldWrites(hs, heldViews, device);
        this.ids = Tensors.longs(ids, device);
        this.positions = Tensors.longs(pos, device);
        this.logitRows = Tensors.longs(logit, device);
        this.pre = writes(preSlots, preRows, device);
        this.post = writes(postSlots, postRows, device);
        this.plans = List.copyOf(ps);
        this.numRows = row;
        this.device = device;
        this.decodeChunk = decodeChunkIndex.toArray();
        this.decodeAsked = decodeChunks.stream().map(c -> c.granted().stats())
                .toArray(StatsRequest[]::new);
        int layers = SlotRuns.layers(decodeChunks);
        int[] rows = decodeRowIndex.toArray();
        this.decode = lower(decodeChunks, rows, 0);
        if (layers == 0) {
            this.decodeByLayer = null;
            this.preByLayer = null;
            this.decodeIndex = new BatchedDecode.Index[1];
            return;
        }
        this.decodeByLayer = new DecodeRows[layers];
        this.preByLayer = new Writes[layers];
        this.decodeIndex = new BatchedDecode.Index[layers];
        for (int l = 0; l < layers; l++) {
            decodeByLayer[l] = l == 0 ? decode : lower(decodeChunks, rows, l);
            IntList slots = preSlots.copy();
            IntList at = preRows.copy();
            for (int i = 0; i < rows.length; i++) {
                int slot = SlotRuns.layerWriteSlot(decodeChunks.get(i), l);
                if (slot >= 0) {
                    slots.add(slot);
                    at.add(rows[i]);
                }
            }
            preByLayer[l] = writes(slots, at, device);
        }
    }

    private static DecodeRows lower(List<SeqChunk> chunks, int[] rows, int layer) {
        DecodeRows.Builder b = new DecodeRows.Builder();
        for (int i = 0; i < rows.length; i++) {
            b.beginRow(rows[i]);
            SlotRuns.lower(chunks.get(i), layer, b);
        }
        return b.build();
    }

    /** The decode rows of layer {@code l} (the same for every layer unless a view is per layer). */
    DecodeRows decode(int l) {
        return decodeByLayer == null ? decode : decodeByLayer[l];
    }

    /** The step's chunk index of each decode row, {@code [R]} (shared: do not write). */
    int[] decodeChunks() {
        return decodeChunk;
    }

    /** What decode row {@code i}'s grant asks to measure. */
    StatsRequest decodeAsked(int i) {
        return decodeAsked[i];
    }

    /** What layer {@code l} writes before reading; null when nothing. */
    Writes pre(int l) {
        return preByLayer == null ? pre : preByLayer[l];
    }

    /** Layer {@code l}'s decode rows as device tensors for {@link BatchedDecode}, built once per step on first use. */
    BatchedDecode.Index decodeIndex(int l) {
        int i = decodeByLayer == null ? 0 : l;
        if (decodeIndex[i] == null) {
            decodeIndex[i] = BatchedDecode.index(decode(l), device);
        }
        return decodeIndex[i];
    }

    /** Layer {@code l}'s writes of the Held chunks, or null when the step has none. */
    Writes heldWrites(int l) {
        return heldWrites == null ? null : heldWrites[l];
    }

    /**
     * Per layer: chunk token c of each Held chunk goes to the slot of its entry {@code held - n + c}. A layer whose
     * arrays are, for every chunk, the same instances as an earlier layer's shares that layer's tensors.
     */
    private static Writes[] heldWrites(List<HeldPlan> plans, List<AttentionView.Held> views, Device device) {
        if (plans.isEmpty()) {
            return null;
        }
        int layers = views.get(0).numLayers();
        Writes[] out = new Writes[layers];
        for (int l = 0; l < layers; l++) {
            int same = l;
            for (int j = 0; j < l && same == l; j++) {
                final int jj = j;
                final int ll = l;
                if (views.stream().allMatch(v -> v.slots()[jj] == v.slots()[ll])) {
                    same = j;
                }
            }
            if (same < l) {
                out[l] = out[same];
                continue;
            }
            IntList slots = new IntList();
            IntList rows = new IntList();
            for (int i = 0; i < plans.size(); i++) {
                int[] layerSlots = views.get(i).slots()[l];
                int n = plans.get(i).numRows();
                for (int c = 0; c < n; c++) {
                    slots.add(layerSlots[layerSlots.length - n + c]);
                    rows.add(plans.get(i).row() + c);
                }
            }
            out[l] = writes(slots, rows, device);
        }
        return out;
    }

    private static void collectWrites(Granted g, int row, IntList slots, IntList rows) {
        for (int i = 0; i < g.writeSlots().length; i++) {
            slots.add(g.writeSlots()[i]);
            rows.add(row + g.writeChunkIndex()[i]);
        }
    }

    private static Writes writes(IntList slots, IntList rows, Device device) {
        return slots.size() == 0 ? null : new Writes(Tensors.longs(slots.toArray(), device),
                Tensors.longs(rows.toArray(), device));
    }

    /**
     * The attention plan of one chunk: the one dispatch over {@link AttentionView} (Java 17 has no pattern switch,
     * so it is an instanceof chain ending in an error for an unknown view).
     */
    private static ChunkPlan plan(SeqChunk c, int row, Device device) {
        int n = c.numTokens();
        AttentionView view = c.granted().view();
        if (view instanceof AttentionView.Recompute) {
            return new ChunkPlan(row, n, (pool, fresh, gather) -> fresh.narrow(0, row, n), null, n > 1);
        }
        if (view instanceof AttentionView.Contiguous v) {
            KeyReader r = (pool, fresh, gather) -> pool.narrow(0, v.baseSlot(), v.numTokens());
            return fullAttention(c, row, r, v.numTokens(), device);
        }
        if (view instanceof AttentionView.Paged v) {
            return fullAttention(c, row, pagedReader(v, device), v.numTokens(), device);
        }
        if (view instanceof AttentionView.Ring v) {
            return new ChunkPlan(row, n, ringReader(v, row, n, device), ringMask(c, v, device), false);
        }
        throw new IllegalStateException("no read path for view " + view.getClass().getName());
    }

    /**
     * The paged read. When the block table is one run of consecutive block ids (blocks taken in order: a sequence
     * prefilled while no other one was growing), its tokens sit in consecutive slots and the read is a zero-copy
     * narrow of the pool, exactly like a contiguous read. Otherwise it gathers the slots of the tokens held, in
     * position order, into the pool's preallocated buffer (no per-step allocation; at most n_positions rows).
     *
     * <p>Attending to each run in place and combining the runs under one softmax (no K/V copy) was measured slower
     * than the gather on CPU: about 7 native calls and 24 small GEMMs per run, layer and sequence cost more than
     * the copy they save (2x the gather's attention time at batch 32, 512 keys, 4 runs).
     */
    private static KeyReader pagedReader(AttentionView.Paged v, Device device) {
        int[] table = v.blockTable();
        int bs = v.blockSize();
        if (isOneRun(table)) {
            long start = (long) table[0] * bs;
            return (pool, fresh, gather) -> pool.narrow(0, start, v.numTokens());
        }
        int[] slots = new int[v.numTokens()];
        for (int p = 0; p < slots.length; p++) {
            slots[p] = table[p / bs] * bs + p % bs;
        }
        Tensor index = Tensors.longs(slots, device);   // [numTokens]
        return (pool, fresh, gather) -> {
            Tensor out = gather.narrow(0, 0, v.numTokens());
            torch.index_select_out(out, pool, 0, index);
            return out;
        };
    }

    /** Whether the table is {@code b, b + 1, b + 2, ...}: its tokens then fill consecutive slots. */
    static boolean isOneRun(int[] table) {
        for (int i = 1; i < table.length; i++) {
            if (table[i] != table[0] + i) {
                return false;
            }
        }
        return table.length > 0;
    }

    /** Held slots (gathered), then the chunk's own fresh rows. */
    private static KeyReader ringReader(AttentionView.Ring v, int row, int n, Device device) {
        if (v.slots().length == 0) {
            return (pool, fresh, gather) -> fresh.narrow(0, row, n);
        }
        Tensor slots = Tensors.longs(v.slots(), device);   // [held]
        return (pool, fresh, gather) -> torch.cat(new TensorVector(pool.index_select(0, slots),
                fresh.narrow(0, row, n)), 0);
    }

    /** Keys are positions [0, L) and the chunk is the last n of them. */
    private static ChunkPlan fullAttention(SeqChunk c, int row, KeyReader reader, int keys, Device device) {
        int n = c.numTokens();
        if (c.endPosition() != keys) {
            throw new IllegalStateException("chunk ends at " + c.endPosition() + " but the view holds " + keys);
        }
        if (n == 1 || n == keys) {
            return new ChunkPlan(row, n, reader, null, n > 1);
        }
        Tensor q = Tensors.range(c.firstPosition(), c.endPosition(), device).unsqueeze(1);   // [n, 1]
        Tensor k = Tensors.range(0, keys, device).unsqueeze(0);                               // [1, L]
        return new ChunkPlan(row, n, reader, k.le(q), false);
    }

    /** Keys: held positions, then the chunk's; query p sees j iff j <= p and (j < sinks or j > p - (W - sinks)). */
    private static Tensor ringMask(SeqChunk c, AttentionView.Ring v, Device device) {
        int held = v.positions().length;
        int[] kpos = new int[held + c.numTokens()];
        System.arraycopy(v.positions(), 0, kpos, 0, held);
        for (int i = 0; i < c.numTokens(); i++) {
            kpos[held + i] = c.firstPosition() + i;
        }
        Tensor q = Tensors.range(c.firstPosition(), c.endPosition(), device).unsqueeze(1);   // [n, 1]
        Tensor k = Tensors.longs(kpos, device).unsqueeze(0);                                  // [1, keys]
        Tensor recent = k.gt(q.sub(new Scalar(v.window() - v.sinks())));
        // bitwise on bool is the logical op, and unlike logical_and/or it has a Meta kernel (DeviceDisciplineTest)
        return k.le(q).bitwise_and(k.lt(new Scalar(v.sinks())).bitwise_or(recent));
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] a = new int[16];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }

        IntList copy() {
            IntList c = new IntList();
            c.a = java.util.Arrays.copyOf(a, Math.max(16, n));
            c.n = n;
            return c;
        }
    }
}
