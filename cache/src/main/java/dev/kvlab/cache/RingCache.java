package dev.kvlab.cache;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Strategy "ring": a sliding window with attention sinks (StreamingLLM). Each sequence owns a fixed run of
 * W = {@code options.window()} slots (placed first-fit by {@link SlotRanges}). The first S = {@code options.sinks()}
 * positions are kept forever in slots {@code base + p}; any later position p goes to
 * {@code base + S + (p - S) % (W - S)}, overwriting the oldest non-sink token.
 *
 * <p>After seeing n tokens a sequence holds positions {@code [0, min(S, n)) ∪ [max(S, n - (W - S)), n)}. A chunk
 * reads first (the tokens held before it, as an {@link AttentionView.Ring}, plus the chunk itself), then the runtime
 * writes only the chunk tokens still held after the chunk: a prefill longer than the window writes the sinks and the
 * last W - S positions, and no slot is written twice in one step.
 *
 * <p>Invariants: windows are disjoint, W slots each, inside the pool, and with the free ranges tile it exactly;
 * held (numHeldTokens) = min(numTokens, W) for every sequence; reserved = W × open sequences; live = sum of held;
 * peak &gt;= reserved.
 */
public final class RingCache implements KvCache {
    /** Its registry entry. */
    public static final StrategyDescription DESCRIPTION = new StrategyDescription("ring",
            "sliding window of W tokens with S attention sinks (StreamingLLM), oldest overwritten first",
            java.util.Set.of(CacheOption.WINDOW, CacheOption.SINKS), List.of(), RingCache::new);

    /** One sequence's window: slots {@code [base, base + W)}; numTokens = tokens seen. */
    private record Window(int base, int numTokens) {
    }

    private final CacheSpec spec;
    private final int window;
    private final int sinks;
    private final SlotRanges ranges;
    private final Map<SeqId, Window> windows = new LinkedHashMap<>();
    private int peakReservedTokens;

    public RingCache(CacheSpec spec, CacheOptions options) {
        this.spec = spec;
        this.window = options.window();
        this.sinks = options.sinks();
        this.ranges = new SlotRanges(spec.capacityTokens());
    }

    @Override
    public boolean canEverHold(int numTokens) {
        return window <= spec.capacityTokens();   // holds at most one window, however long the sequence grows
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public CacheSpec spec() {
        return spec;
    }

    @Override
    public Allocation allocate(AllocRequest request) {
        Window w = windows.get(request.seq());
        Chunks.requireContinues(request, w == null ? 0 : w.numTokens());
        if (w == null) {
            OptionalInt base = ranges.take(window);
            if (base.isEmpty()) {
                return new Allocation.NoRoom(window, ranges.freeTokens(), ranges.noRoomReason(window));
            }
            w = new Window(base.getAsInt(), 0);
            peakReservedTokens = Math.max(peakReservedTokens, reservedTokens());
        }
        int before = w.numTokens();
        int after = request.tokenIds().length;
        int[] heldBefore = heldPositions(before);
        AttentionView.Ring view = new AttentionView.Ring(slotsOf(w.base(), heldBefore), heldBefore, sinks, window);
        int[] written = survivors(before, after);
        windows.put(request.seq(), new Window(w.base(), after));
        int[] chunkIndex = new int[written.length];
        for (int i = 0; i < written.length; i++) {
            chunkIndex[i] = written[i] - before;
        }
        return new Allocation.Granted(slotsOf(w.base(), written), chunkIndex, view, List.of());
    }

    /** Positions held after seeing n tokens, ascending: sinks, then the most recent W - S. */
    private int[] heldPositions(int n) {
        return survivors(0, n);
    }

    /** Positions in [from, n) still held after seeing n tokens, ascending. */
    private int[] survivors(int from, int n) {
        int recentStart = Math.max(sinks, n - (window - sinks));
        int sinkEnd = Math.min(sinks, n);
        int numSinks = Math.max(0, sinkEnd - from);
        int recentFrom = Math.max(from, recentStart);
        int[] out = new int[numSinks + Math.max(0, n - recentFrom)];
        for (int i = 0; i < numSinks; i++) {
            out[i] = from + i;
        }
        for (int i = numSinks; i < out.length; i++) {
            out[i] = recentFrom + i - numSinks;
        }
        return out;
    }

    /** Slot of each position; shape [positions.length]. */
    private int[] slotsOf(int base, int[] positions) {
        int[] slots = new int[positions.length];
        for (int i = 0; i < positions.length; i++) {
            int p = positions[i];
            slots[i] = p < sinks ? base + p : base + sinks + (p - sinks) % (window - sinks);
        }
        return slots;
    }

    @Override
    public void free(SeqId seq) {
        Window w = windows.remove(seq);
        if (w != null) {
            ranges.release(w.base(), window);
        }
    }

    @Override
    public void reset() {
        windows.clear();
        ranges.clear();
        peakReservedTokens = 0;
    }

    @Override
    public int numTokens(SeqId seq) {
        Window w = windows.get(seq);
        return w == null ? 0 : w.numTokens();
    }

    /** Tokens the cache still holds for {@code seq}: min(numTokens, window). */
    public int numHeldTokens(SeqId seq) {
        Window w = windows.get(seq);
        return w == null ? 0 : heldPositions(w.numTokens()).length;
    }

    private int reservedTokens() {
        return spec.capacityTokens() - ranges.freeTokens();
    }

    @Override
    public MemoryStats memory() {
        int live = windows.keySet().stream().mapToInt(this::numHeldTokens).sum();
        return new MemoryStats(spec.capacityTokens(), reservedTokens(), live, peakReservedTokens, 0, 0,
                spec.bytesPerToken());
    }

    @Override
    public void checkInvariants() {
        List<SlotRanges.Range> taken = new ArrayList<>();
        for (Map.Entry<SeqId, Window> e : windows.entrySet()) {
            int n = e.getValue().numTokens();
            int held = numHeldTokens(e.getKey());
            if (n <= 0 || held != Math.min(n, window)) {
                throw new IllegalStateException("ring occupancy = min(seen, W): " + e.getKey() + " saw " + n
                        + " and holds " + held + " with W=" + window);
            }
            taken.add(new SlotRanges.Range(e.getValue().base(), window));
        }
        ranges.checkTiling(taken);
        if (reservedTokens() != window * windows.size()) {
            throw new IllegalStateException("reserved = W x open sequences: " + reservedTokens());
        }
        if (peakReservedTokens < reservedTokens()) {
            throw new IllegalStateException("peak >= reserved: " + peakReservedTokens + " < " + reservedTokens());
        }
    }
}
