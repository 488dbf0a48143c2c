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

import java.util.List;
import org.junit.jupiter.api.Test;

/** Paged scenarios without prefix sharing: 10 blocks of 4 slots, exact block ids and free-queue order. */
class PagedCacheTest {

    static final CacheOptions NO_SHARING = CacheOptions.DEFAULTS.withBlockSize(4).withPrefixSharing(false);

    static CacheSpec spec(int capacityTokens) {
        return new CacheSpec(1, 1, 1, 4, capacityTokens, 64);
    }

    static int[] table(Allocation.Granted g) {
        return ((AttentionView.Paged) g.view()).blockTable();
    }

    @Test
    void prefillDecodeAndFreeOrder() {
        PagedCache c = new PagedCache(spec(40), NO_SHARING);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), c.freeQueue());

        // A: a 10-token prompt takes blocks 0, 1, 2 (ceil(10 / 4)); slot = block * 4 + offset.
        Allocation.Granted a = granted(c, upTo(c, 1, tokens(0, 10)));
        assertArrayEquals(tokens(0, 10), a.writeSlots());
        assertArrayEquals(tokens(0, 10), a.writeChunkIndex());
        assertArrayEquals(new int[] {0, 1, 2}, table(a));
        assertEquals(10, ((AttentionView.Paged) a.view()).numTokens());
        assertEquals(List.of(3, 4, 5, 6, 7, 8, 9), c.freeQueue());

        // A decodes positions 10 and 11 into block 2's last two slots: no new block.
        assertArrayEquals(new int[] {10}, granted(c, upTo(c, 1, tokens(0, 11))).writeSlots());
        assertArrayEquals(new int[] {11}, granted(c, upTo(c, 1, tokens(0, 12))).writeSlots());
        assertEquals(7, c.freeQueue().size());

        // Position 12 opens block 3.
        Allocation.Granted d = granted(c, upTo(c, 1, tokens(0, 13)));
        assertArrayEquals(new int[] {12}, d.writeSlots());
        assertArrayEquals(new int[] {0, 1, 2, 3}, table(d));

        // B: a 5-token prompt takes blocks 4 and 5; B's slots are 16..20.
        Allocation.Granted b = granted(c, upTo(c, 2, tokens(50, 5)));
        assertArrayEquals(new int[] {4, 5}, table(b));
        assertArrayEquals(new int[] {16, 17, 18, 19, 20}, b.writeSlots());

        // 6 blocks used: reserved 24 slots, live 13 + 5 tokens.
        MemoryStats m = c.memory();
        assertEquals(24, m.reservedTokens());
        assertEquals(18, m.liveTokens());
        assertEquals(10, m.blocksTotal());
        assertEquals(6, m.blocksUsed());

        // Free A: its blocks join the tail of the queue tail first (3, 2, 1, 0), so A's head is evicted last.
        free(c, 1);
        assertEquals(List.of(6, 7, 8, 9, 3, 2, 1, 0), c.freeQueue());
        assertArrayEquals(new int[0], c.blockTable(seq(1)));

        // C: a 4-token prompt takes the head of the queue, block 6.
        assertArrayEquals(new int[] {6}, table(granted(c, upTo(c, 3, tokens(0, 4)))));
        assertEquals(List.of(7, 8, 9, 3, 2, 1, 0), c.freeQueue());
        assertEquals(24, c.memory().peakReservedTokens());
    }

    @Test
    void noRoomIsAtomic() {
        PagedCache c = new PagedCache(spec(40), NO_SHARING);
        // A: 30 tokens take blocks 0..7; blocks 8 and 9 stay free.
        granted(c, upTo(c, 1, tokens(0, 30)));
        assertEquals(List.of(8, 9), c.freeQueue());

        // B's 12-token prompt needs 3 blocks, only 2 are free: NoRoom, and nothing changed.
        Allocation.NoRoom n = noRoom(c, upTo(c, 2, tokens(0, 12)));
        assertEquals(12, n.neededTokens());
        assertEquals(8, n.freeTokens());
        assertEquals(List.of(8, 9), c.freeQueue());
        assertArrayEquals(new int[0], c.blockTable(seq(2)));

        // A grows to exactly 40 tokens: block 7 fills, 8 and 9 are taken; the pool is full.
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, table(granted(c, upTo(c, 1, tokens(0, 40)))));
        assertEquals(List.of(), c.freeQueue());

        // One more token for A needs an 11th block: NoRoom, A keeps its 40 tokens.
        noRoom(c, upTo(c, 1, tokens(0, 41)));
        assertEquals(40, c.numTokens(seq(1)));
        assertTrue(c.memory().wastePercent() == 0.0);
    }

    @Test
    void capacityThatIsNotAMultipleOfTheBlockSizeRoundsDown() {
        PagedCache c = new PagedCache(spec(42), NO_SHARING);
        // 42 / 4 = 10 blocks; the 2 slots past block 9 are never handed out.
        assertEquals(10, c.memory().blocksTotal());
        granted(c, upTo(c, 1, tokens(0, 40)));
        noRoom(c, upTo(c, 2, tokens(0, 1)));
    }

    @Test
    void liveCountsFilledSlotsAndWasteIsTheTail() {
        PagedCache c = new PagedCache(spec(40), NO_SHARING);
        // 5 tokens in 2 blocks: 8 slots reserved, 5 live, waste 3 / 8.
        granted(c, upTo(c, 1, tokens(0, 5)));
        MemoryStats m = c.memory();
        assertEquals(8, m.reservedTokens());
        assertEquals(5, m.liveTokens());
        assertEquals(37.5, m.wastePercent(), 1e-9);
    }

    @Test
    void preemptThenResumeGivesTheSameViewContents() {
        PagedCache c = new PagedCache(spec(40), NO_SHARING);
        SlotSimulator sim = new SlotSimulator(40);
        int[] t = tokens(200, 9);
        // A: prefill 6, decode to 9, reading every position once.
        sim.apply(upTo(c, 1, java.util.Arrays.copyOf(t, 6)), granted(c, upTo(c, 1, java.util.Arrays.copyOf(t, 6))));
        AllocRequest decode = upTo(c, 1, t);
        var before = sim.apply(decode, granted(c, decode));
        // Preempt: A's blocks go back (tail first) ...
        free(c, 1);
        assertEquals(List.of(3, 4, 5, 6, 7, 8, 9, 2, 1, 0), c.freeQueue());
        // ... and A resumes from position 0 with all 9 tokens as its prompt: new blocks, the same keys.
        AllocRequest resume = upTo(c, 1, t);
        Allocation.Granted g = granted(c, resume);
        assertArrayEquals(new int[] {3, 4, 5}, table(g));
        assertEquals(before, sim.apply(resume, g));
    }
}
