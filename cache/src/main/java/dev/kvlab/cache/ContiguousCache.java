package dev.kvlab.cache;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Strategy "contiguous": one slab of consecutive slots per sequence, reserved at its first allocate and kept until
 * {@link #free} (HF StaticCache per request; the baseline vLLM's paper measured). Position p sits in slot
 * {@code base + p}, so the read is a zero-copy {@link AttentionView.Contiguous} view. Slabs are placed first-fit by
 * {@link SlotRanges}; the slab size is {@code request.maxTokens()} ({@link CacheOptions.Reserve#REQUEST}) or
 * {@code spec.maxPositions()} ({@link CacheOptions.Reserve#MAX}).
 *
 * <p>Invariants: slabs are disjoint and inside the pool, and slabs plus free ranges tile it exactly;
 * 0 &lt; numTokens &lt;= slab size for every open sequence; reserved = sum of slab sizes &lt;= capacity;
 * live = sum of numTokens; peak &gt;= reserved.
 */
public final class ContiguousCache implements KvCache {
    /** Its registry entry. */
    public static final StrategyDescription DESCRIPTION = new StrategyDescription("contiguous",
            "one preallocated slab per sequence (HF StaticCache), reserved when it opens",
            java.util.Set.of(CacheOption.RESERVE),
            List.of(new StrategyVariant("max", "reserve the whole context (n_positions)",
                    o -> o.withReserve(CacheOptions.Reserve.MAX))), ContiguousCache::new);

    /** One sequence's slab: slots {@code [base, base + size)}, of which the first numTokens hold K/V. */
    private record Slab(int base, int size, int numTokens) {
    }

    private final CacheSpec spec;
    private final CacheOptions.Reserve reserve;
    private final SlotRanges ranges;
    private final Map<SeqId, Slab> slabs = new LinkedHashMap<>();
    private int peakReservedTokens;

    public ContiguousCache(CacheSpec spec, CacheOptions options) {
        this.spec = spec;
        this.reserve = options.reserve();
        this.ranges = new SlotRanges(spec.capacityTokens());
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
        Slab slab = slabs.get(request.seq());
        Chunks.requireContinues(request, slab == null ? 0 : slab.numTokens());
        int size = slab == null ? reservationFor(request) : slab.size();
        int numTokens = request.tokenIds().length;
        if (numTokens > size) {
            return new Allocation.NoRoom(numTokens, ranges.freeTokens(), request.seq() + " grows to " + numTokens
                    + " tokens past its reservation of " + size + " (reserve=" + reserve + ")");
        }
        if (slab == null) {
            OptionalInt base = ranges.take(size);
            if (base.isEmpty()) {
                return new Allocation.NoRoom(size, ranges.freeTokens(), ranges.noRoomReason(size));
            }
            slab = new Slab(base.getAsInt(), size, 0);
            peakReservedTokens = Math.max(peakReservedTokens, reservedTokens());
        }
        slabs.put(request.seq(), new Slab(slab.base(), size, numTokens));
        int first = request.firstPosition();
        return new Allocation.Granted(Chunks.range(slab.base() + first, slab.base() + numTokens),
                Chunks.range(0, request.numNewTokens()), new AttentionView.Contiguous(slab.base(), numTokens), List.of());
    }

    private int reservationFor(AllocRequest request) {
        return reservationFor(request.maxTokens());
    }

    private int reservationFor(int maxTokens) {
        return switch (reserve) {
            case REQUEST -> maxTokens;
            case MAX -> spec.maxPositions();
        };
    }

    @Override
    public boolean canEverHold(int numTokens) {
        return reservationFor(numTokens) <= spec.capacityTokens();
    }

    @Override
    public void free(SeqId seq) {
        Slab slab = slabs.remove(seq);
        if (slab != null) {
            ranges.release(slab.base(), slab.size());
        }
    }

    @Override
    public void reset() {
        slabs.clear();
        ranges.clear();
        peakReservedTokens = 0;
    }

    @Override
    public int numTokens(SeqId seq) {
        Slab slab = slabs.get(seq);
        return slab == null ? 0 : slab.numTokens();
    }

    /** First slot of the sequence's slab, if it has one (for tests and logs). */
    public OptionalInt baseSlot(SeqId seq) {
        Slab slab = slabs.get(seq);
        return slab == null ? OptionalInt.empty() : OptionalInt.of(slab.base());
    }

    private int reservedTokens() {
        return spec.capacityTokens() - ranges.freeTokens();
    }

    @Override
    public MemoryStats memory() {
        int live = slabs.values().stream().mapToInt(Slab::numTokens).sum();
        return new MemoryStats(spec.capacityTokens(), reservedTokens(), live, peakReservedTokens, 0, 0,
                spec.bytesPerToken());
    }

    @Override
    public void checkInvariants() {
        List<SlotRanges.Range> taken = new ArrayList<>();
        for (Map.Entry<SeqId, Slab> e : slabs.entrySet()) {
            Slab s = e.getValue();
            if (s.numTokens() <= 0 || s.numTokens() > s.size()) {
                throw new IllegalStateException("0 < numTokens <= slab size: " + e.getKey() + " has " + s);
            }
            taken.add(new SlotRanges.Range(s.base(), s.size()));
        }
        ranges.checkTiling(taken);
        if (peakReservedTokens < reservedTokens()) {
            throw new IllegalStateException("peak >= reserved: " + peakReservedTokens + " < " + reservedTokens());
        }
    }
}
