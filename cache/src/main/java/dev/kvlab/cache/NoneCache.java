package dev.kvlab.cache;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Strategy "none": stores no K/V at all. Every chunk is answered with {@link AttentionView.Recompute}: the runtime
 * recomputes the whole sequence from position 0 (nanoGPT-style {@code generate}); this is the oracle every caching
 * strategy must match token for token.
 *
 * <p>Invariants: nothing is ever reserved (reserved = live = peak = 0); numTokens of every open sequence is positive.
 */
public final class NoneCache implements KvCache {
    /** Its registry entry. */
    public static final StrategyDescription DESCRIPTION = new StrategyDescription("none",
            "stores nothing, recomputes the whole sequence every step: the oracle the others are tested against",
            java.util.Set.of(), List.of(), NoneCache::new);

    private static final Allocation.Granted RECOMPUTE =
            new Allocation.Granted(new int[0], new int[0], new AttentionView.Recompute(), List.of());

    private final CacheSpec spec;
    /** Tokens seen per open sequence. */
    private final Map<SeqId, Integer> numTokens = new HashMap<>();

    public NoneCache(CacheSpec spec, CacheOptions options) {
        this.spec = spec;
    }

    /** Stores nothing: no pool slot is ever handed out. */
    @Override
    public int poolSlots() {
        return 0;
    }

    @Override
    public boolean canEverHold(int numTokens) {
        return true;   // stores nothing
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public CacheSpec spec() {
        return spec;
    }

    /** Always granted, with no writes: the runtime recomputes positions [0, tokenIds.length). */
    @Override
    public Allocation allocate(AllocRequest request) {
        Chunks.requireContinues(request, numTokens(request.seq()));
        numTokens.put(request.seq(), request.tokenIds().length);
        return RECOMPUTE;
    }

    @Override
    public void free(SeqId seq) {
        numTokens.remove(seq);
    }

    @Override
    public void reset() {
        numTokens.clear();
    }

    @Override
    public int numTokens(SeqId seq) {
        return numTokens.getOrDefault(seq, 0);
    }

    @Override
    public MemoryStats memory() {
        return new MemoryStats(spec.capacityTokens(), 0, 0, 0, 0, 0, spec.bytesPerToken());
    }

    @Override
    public void checkInvariants() {
        numTokens.forEach((seq, n) -> {
            if (n <= 0) {
                throw new IllegalStateException("numTokens of an open sequence is positive: " + seq + " has " + n);
            }
        });
    }
}
