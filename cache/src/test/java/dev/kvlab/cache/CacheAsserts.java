package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calls into a cache that check its invariants after every operation, plus request builders. */
final class CacheAsserts {

    private CacheAsserts() {
    }

    static SeqId seq(long value) {
        return new SeqId(value);
    }

    /** Token ids {@code [first, first + n)}; shape [n]. */
    static int[] tokens(int first, int n) {
        return Chunks.range(first, first + n);
    }

    /** The chunk that brings {@code seq} up to {@code tokenIds.length} tokens, from where the cache left off. */
    static AllocRequest upTo(KvCache cache, long seq, int[] tokenIds, int maxTokens) {
        return new AllocRequest(seq(seq), tokenIds, tokenIds.length - cache.numTokens(seq(seq)), maxTokens);
    }

    static AllocRequest upTo(KvCache cache, long seq, int[] tokenIds) {
        return upTo(cache, seq, tokenIds, Math.max(tokenIds.length, 64));
    }

    /** Allocates, checks invariants, and expects room. */
    static Allocation.Granted granted(KvCache cache, AllocRequest request) {
        Allocation a = cache.allocate(request);
        cache.checkInvariants();
        return assertInstanceOf(Allocation.Granted.class, a, () -> "expected room, got " + a);
    }

    /** Allocates, checks invariants, expects NoRoom and a cache unchanged by it. */
    static Allocation.NoRoom noRoom(KvCache cache, AllocRequest request) {
        MemoryStats before = cache.memory();
        int numTokensBefore = cache.numTokens(request.seq());
        Allocation a = cache.allocate(request);
        cache.checkInvariants();
        Allocation.NoRoom n = assertInstanceOf(Allocation.NoRoom.class, a, () -> "expected NoRoom, got " + a);
        assertEquals(before, cache.memory(), "NoRoom leaves memory unchanged");
        assertEquals(numTokensBefore, cache.numTokens(request.seq()), "NoRoom leaves numTokens unchanged");
        return n;
    }

    static void free(KvCache cache, long seq) {
        cache.free(seq(seq));
        cache.checkInvariants();
    }

    static int attach(KvCache cache, long seq, int[] promptIds) {
        int attached = cache.attachPrefix(seq(seq), promptIds);
        cache.checkInvariants();
        return attached;
    }
}
