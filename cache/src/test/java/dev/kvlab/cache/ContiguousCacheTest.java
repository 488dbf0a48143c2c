package dev.kvlab.cache;

import dev.kvlab.cache.check.SlotSimulator;
import static dev.kvlab.cache.CacheAsserts.free;
import static dev.kvlab.cache.CacheAsserts.granted;
import static dev.kvlab.cache.CacheAsserts.noRoom;
import static dev.kvlab.cache.CacheAsserts.seq;
import static dev.kvlab.cache.CacheAsserts.tokens;
import static dev.kvlab.cache.CacheAsserts.upTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Contiguous scenarios on a 32-slot pool with a 16-position context. */
class ContiguousCacheTest {

    static final CacheSpec SPEC = new CacheSpec(1, 1, 1, 4, 32, 16);
    static final CacheOptions REQUEST = CacheOptions.DEFAULTS.withReserve(CacheOptions.Reserve.REQUEST);
    static final CacheOptions MAX = CacheOptions.DEFAULTS.withReserve(CacheOptions.Reserve.MAX);

    static AttentionView.Contiguous view(Allocation.Granted g) {
        return (AttentionView.Contiguous) g.view();
    }

    @Test
    void reserveRequestTakesMaxTokensFirstFit() {
        ContiguousCache c = new ContiguousCache(SPEC, REQUEST);
        // A: 3-token prompt, at most 8 tokens: slab [0, 8), writes slots 0..2.
        Allocation.Granted a = granted(c, upTo(c, 1, tokens(0, 3), 8));
        assertArrayEquals(new int[] {0, 1, 2}, a.writeSlots());
        assertEquals(new AttentionView.Contiguous(0, 3), a.view());
        // B: at most 10 tokens: slab [8, 18).
        assertEquals(new AttentionView.Contiguous(8, 2), granted(c, upTo(c, 2, tokens(0, 2), 10)).view());
        // A decodes position 3 into slot 3.
        Allocation.Granted d = granted(c, upTo(c, 1, tokens(0, 4), 8));
        assertArrayEquals(new int[] {3}, d.writeSlots());
        assertArrayEquals(new int[] {0}, d.writeChunkIndex());
        assertEquals(new AttentionView.Contiguous(0, 4), d.view());
        // Reserved 18 slots, 6 live: waste 12 / 18.
        MemoryStats m = c.memory();
        assertEquals(18, m.reservedTokens());
        assertEquals(6, m.liveTokens());
        assertEquals(100.0 * 12 / 18, m.wastePercent(), 1e-9);
        assertEquals(0, m.blocksTotal());
    }

    @Test
    void reserveMaxTakesTheWholeContext() {
        ContiguousCache c = new ContiguousCache(SPEC, MAX);
        // Every sequence reserves maxPositions = 16, whatever it asks for: two fit in 32 slots.
        assertEquals(0, view(granted(c, upTo(c, 1, tokens(0, 3), 4))).baseSlot());
        assertEquals(16, view(granted(c, upTo(c, 2, tokens(0, 3), 4))).baseSlot());
        Allocation.NoRoom n = noRoom(c, upTo(c, 3, tokens(0, 1), 4));
        assertEquals(16, n.neededTokens());
        assertEquals(0, n.freeTokens());
        assertTrue(n.reason().startsWith("full"), n.reason());
        // 32 reserved for 6 live tokens.
        assertEquals(32, c.memory().reservedTokens());
        assertEquals(6, c.memory().liveTokens());
    }

    @Test
    void fragmentationIsNoRoomUntilNeighboursCoalesce() {
        ContiguousCache c = new ContiguousCache(SPEC, REQUEST);
        // A [0, 10), B [10, 20), C [20, 30); 2 slots free at the end.
        granted(c, upTo(c, 1, tokens(0, 1), 10));
        granted(c, upTo(c, 2, tokens(0, 1), 10));
        granted(c, upTo(c, 3, tokens(0, 1), 10));
        // Free A and C: 22 slots free in two ranges, [0, 10) and [20, 32).
        free(c, 1);
        free(c, 3);
        // D wants 14: enough free slots, no range long enough.
        Allocation.NoRoom n = noRoom(c, upTo(c, 4, tokens(0, 1), 14));
        assertEquals("fragmented: 22 free but no range of 14 (largest 12)", n.reason());
        assertEquals(22, n.freeTokens());
        // Free B: the three ranges coalesce into [0, 32); D lands at slot 0.
        free(c, 2);
        assertEquals(0, view(granted(c, upTo(c, 4, tokens(0, 1), 14))).baseSlot());
    }

    @Test
    void growthPastTheReservationIsNoRoom() {
        ContiguousCache c = new ContiguousCache(SPEC, REQUEST);
        // A reserved 4 slots at its first allocate ...
        granted(c, upTo(c, 1, tokens(0, 4), 4));
        // ... a 5th token (even with a larger maxTokens now) does not fit the slab.
        Allocation.NoRoom n = noRoom(c, upTo(c, 1, tokens(0, 5), 5));
        assertTrue(n.reason().contains("past its reservation of 4"), n.reason());
        assertEquals(4, c.numTokens(seq(1)));
        // A prompt beyond the context under Reserve.MAX is NoRoom too, not an exception.
        ContiguousCache max = new ContiguousCache(SPEC, MAX);
        noRoom(max, upTo(max, 1, tokens(0, 17), 17));
    }

    @Test
    void preemptThenResumeGetsTheSameSlabAndKeys() {
        ContiguousCache c = new ContiguousCache(SPEC, REQUEST);
        SlotSimulator sim = new SlotSimulator(32);
        int[] t = tokens(700, 7);
        AllocRequest prefill = upTo(c, 1, Arrays.copyOf(t, 5), 8);
        sim.apply(prefill, granted(c, prefill));
        AllocRequest decode = upTo(c, 1, t, 8);
        var keys = sim.apply(decode, granted(c, decode));
        free(c, 1);
        assertTrue(c.baseSlot(seq(1)).isEmpty());
        AllocRequest resume = upTo(c, 1, t, 8);
        Allocation.Granted g = granted(c, resume);
        assertEquals(new AttentionView.Contiguous(0, 7), g.view());
        assertEquals(keys, sim.apply(resume, g));
        assertEquals(8, c.memory().peakReservedTokens());
    }
}
