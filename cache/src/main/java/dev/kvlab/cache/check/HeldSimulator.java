package dev.kvlab.cache.check;


import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.SeqId;
import dev.kvlab.cache.StatsRequest;
import dev.kvlab.cache.StepStats;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@link SlotSimulator}'s half for {@link AttentionView.Held} views: one plain int array per layer is that layer's
 * pool (layers have separate slot spaces), each slot storing {@code position * 1000 + tokenId}. For every chunk it
 * checks what the runtime relies on: each layer lists the chunk's tokens last and in order, every earlier entry's slot
 * still holds the token of the position it claims (no slot reused while held, no stale read), no position comes back
 * after it was evicted, slots and positions are distinct; then it writes the chunk and reads each query's keys
 * (the entries at positions &lt;= the query's). With {@code requireFull} it also demands that every query read
 * exactly positions [0, p], as a paged cache would: what a budget that never binds must give.
 */
public final class HeldSimulator {

    private final int capacity;
    private int[][] pools;   // [layers][capacity]
    /** What each open sequence held in each layer after its last chunk. */
    private final Map<SeqId, List<Set<Integer>>> lastHeld = new HashMap<>();
    /** What the cache says each layer holds after observing the last chunk: the next view must list exactly that. */
    private final Map<SeqId, Map<Integer, Set<Integer>>> claimed = new HashMap<>();
    /** Every query must read exactly positions [0, p] (a budget that never binds). */
    public boolean requireFull;

    HeldSimulator(int capacity) {
        this.capacity = capacity;
    }

    void clear() {
        pools = null;
        lastHeld.clear();
        claimed.clear();
    }

    /** The sequence was freed: its next chunk starts afresh. */
    void forget(SeqId seq) {
        lastHeld.remove(seq);
        claimed.remove(seq);
    }

    /** The cache claims {@code seq} holds {@code positions} in {@code layer} now (after evicting). */
    public void expectHeld(SeqId seq, int layer, int[] positions) {
        Set<Integer> set = new TreeSet<>();
        for (int p : positions) {
            set.add(p);
        }
        claimed.computeIfAbsent(seq, s -> new HashMap<>()).put(layer, set);
    }

    /** Checks, writes and reads one chunk; returns the keys layer 0's last query read (encoded). */
    Set<Integer> apply(AllocRequest request, AttentionView.Held view) {
        if (pools == null) {
            pools = new int[view.numLayers()][capacity];
            for (int[] p : pools) {
                java.util.Arrays.fill(p, SlotSimulator.UNWRITTEN);
            }
        }
        Rules.same(pools.length, view.numLayers(), "Held view: one entry list per layer");
        int[] tokens = request.tokenIds();
        int first = request.firstPosition();
        int n = request.numNewTokens();
        List<Set<Integer>> before = lastHeld.get(request.seq());
        Map<Integer, Set<Integer>> claims = claimed.remove(request.seq());
        Set<Integer> lastKeys = Set.of();
        List<Set<Integer>> now = new java.util.ArrayList<>();
        for (int l = 0; l < view.numLayers(); l++) {
            int[] slots = view.slots()[l];
            int[] pos = view.positions()[l];
            int old = slots.length - n;
            Rules.check(old >= 0, "Held view: every layer lists the chunk's tokens", "layer " + l + ", " + n + " tokens");
            Set<Integer> seenSlots = new HashSet<>();
            Set<Integer> seenPos = new TreeSet<>();
            for (int i = 0; i < slots.length; i++) {
                Rules.check(slots[i] >= 0 && slots[i] < capacity, "Held view: slots lie inside the pool",
                        "slot " + slots[i]);
                Rules.check(seenSlots.add(slots[i]), "Held view: no slot listed twice", "layer " + l + " slot " + slots[i]);
                Rules.check(seenPos.add(pos[i]), "Held view: no position listed twice", "layer " + l + " position " + pos[i]);
            }
            for (int i = 0; i < old; i++) {
                Rules.check(pos[i] < first, "Held view: earlier entries precede the chunk", "layer " + l + " position " + pos[i]);
                Rules.same(SlotSimulator.encode(pos[i], tokens[pos[i]]), pools[l][slots[i]],
                        "Held view: a held slot still holds its position (layer " + l + " slot " + slots[i] + ")");
                Rules.check(before != null && before.get(l).contains(pos[i]),
                        "Held view: an evicted position never comes back", "layer " + l + " position " + pos[i]);
            }
            if (claims != null && claims.containsKey(l)) {
                Set<Integer> listed = new TreeSet<>();
                for (int i = 0; i < old; i++) {
                    listed.add(pos[i]);
                }
                Rules.same(claims.get(l), listed, "Held view: a layer lists what the cache said it kept (layer " + l + ")");
            }
            for (int c = 0; c < n; c++) {
                Rules.same(first + c, pos[old + c], "Held view: the chunk's tokens come last, in order (layer " + l + ")");
                pools[l][slots[old + c]] = SlotSimulator.encode(first + c, tokens[first + c]);
            }
            for (int p = first; p < tokens.length; p++) {
                Set<Integer> keys = new TreeSet<>();
                for (int i = 0; i < slots.length; i++) {
                    if (pos[i] <= p) {
                        keys.add(pools[l][slots[i]]);
                    }
                }
                if (requireFull) {
                    Rules.same(SlotSimulator.expectedFull(tokens, p), keys,
                            "Held view: query p reads exactly positions [0, p] (layer " + l + " query " + p + ")");
                }
                if (l == 0) {
                    lastKeys = keys;
                }
            }
            now.add(seenPos);
        }
        lastHeld.put(request.seq(), now);
        return lastKeys;
    }

    /**
     * Statistics in the shape the grant asked for, as a runtime would measure them: each counted query spreads a
     * random softmax over the keys it sees (so a head's masses sum to the number of queries); key norms are random.
     */
    public static StepStats stats(AllocRequest request, Allocation.Granted granted, int heads, Random random) {
        StatsRequest asked = granted.stats();
        if (!asked.wantsAny()) {
            return StepStats.NONE;
        }
        AttentionView.Held view = (AttentionView.Held) granted.view();
        int layers = view.numLayers();
        float[][][] attention = new float[asked.wantsAttention() ? layers : 0][][];
        float[][][] norms = new float[asked.keyNorms() ? layers : 0][][];
        for (int l = 0; l < attention.length; l++) {
            attention[l] = new float[heads][view.numHeld(l)];
            for (int h = 0; h < heads; h++) {
                for (int q = Math.max(asked.attentionFrom(), request.firstPosition()); q < request.endPosition(); q++) {
                    addSoftmax(attention[l][h], view.positions()[l], q, random);
                }
            }
        }
        for (int l = 0; l < norms.length; l++) {
            norms[l] = new float[heads][request.numNewTokens()];
            for (float[] head : norms[l]) {
                for (int c = 0; c < head.length; c++) {
                    head[c] = 0.5f + random.nextFloat();
                }
            }
        }
        return new StepStats(attention, norms);
    }

    private static void addSoftmax(float[] into, int[] positions, int query, Random random) {
        double[] w = new double[positions.length];
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = positions[i] <= query ? Math.exp(3 * random.nextDouble()) : 0;
            sum += w[i];
        }
        for (int i = 0; i < w.length; i++) {
            into[i] += (float) (w[i] / sum);
        }
    }
}
