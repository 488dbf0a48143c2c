package dev.kvlab.cache;

import dev.kvlab.cache.check.SlotSimulator;
import static dev.kvlab.cache.CacheAsserts.free;
import static dev.kvlab.cache.CacheAsserts.granted;
import static dev.kvlab.cache.CacheAsserts.noRoom;
import static dev.kvlab.cache.CacheAsserts.seq;
import static dev.kvlab.cache.CacheAsserts.tokens;
import static dev.kvlab.cache.CacheAsserts.upTo;
import static dev.kvlab.cache.PagedCacheTest.NO_SHARING;
import static dev.kvlab.cache.PagedCacheTest.spec;
import static dev.kvlab.cache.PagedCacheTest.table;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Paged fork and copy-on-write: 10 blocks of 4 slots. */
class PagedForkTest {

    @Test
    void forkSharesBlocksAndCopiesOnWrite() {
        PagedCache c = new PagedCache(spec(40), NO_SHARING);
        SlotSimulator sim = new SlotSimulator(40);
        int[] t = tokens(300, 6);
        // A: 6 tokens in blocks 0 and 1 (block 1 half full).
        sim.apply(upTo(c, 1, t), granted(c, upTo(c, 1, t)));
        // B forks A: both tables are [0, 1], each block held twice; shared tokens count once in live.
        c.fork(seq(1), seq(2));
        c.checkInvariants();
        assertArrayEquals(new int[] {0, 1}, c.blockTable(seq(2)));
        assertEquals(2, c.refCount(0));
        assertEquals(2, c.refCount(1));
        assertEquals(6, c.numTokens(seq(2)));
        assertEquals(8, c.memory().reservedTokens());
        assertEquals(6, c.memory().liveTokens());

        // B writes position 6 into shared block 1: B moves to fresh block 2, slots 4..5 are copied to 8..9 first.
        int[] tb = Arrays.copyOf(t, 7);
        tb[6] = 1;
        AllocRequest rb = upTo(c, 2, tb);
        Allocation.Granted b = granted(c, rb);
        assertEquals(List.of(new Allocation.SlotCopy(4, 8, 2)), b.copies());
        assertArrayEquals(new int[] {10}, b.writeSlots());
        assertArrayEquals(new int[] {0, 2}, table(b));
        assertEquals(1, c.refCount(1));
        assertEquals(2, c.refCount(0));
        sim.apply(rb, b); // B reads its own token at 6 and A's 0..5, via the copy

        // A writes position 6 into block 1, now only its own: no copy.
        int[] ta = Arrays.copyOf(t, 7);
        ta[6] = 2;
        AllocRequest ra = upTo(c, 1, ta);
        Allocation.Granted a = granted(c, ra);
        assertEquals(List.of(), a.copies());
        assertArrayEquals(new int[] {6}, a.writeSlots());
        sim.apply(ra, a);
    }

    @Test
    void forkAtABlockBoundaryNeedsNoCopy() {
        PagedCache c = new PagedCache(spec(40), NO_SHARING);
        granted(c, upTo(c, 1, tokens(0, 8)));
        c.fork(seq(1), seq(2));
        // B's position 8 starts a new block: nothing shared is written.
        Allocation.Granted b = granted(c, upTo(c, 2, tokens(0, 9)));
        assertEquals(List.of(), b.copies());
        assertArrayEquals(new int[] {0, 1, 2}, table(b));
    }

    @Test
    void sharedBlocksAreFreedByTheirLastHolder() {
        PagedCache c = new PagedCache(spec(40), NO_SHARING);
        granted(c, upTo(c, 1, tokens(0, 8)));
        c.fork(seq(1), seq(2));
        granted(c, upTo(c, 2, tokens(0, 9)));
        // Free A: blocks 0 and 1 are still B's, nothing joins the queue.
        free(c, 1);
        assertEquals(List.of(3, 4, 5, 6, 7, 8, 9), c.freeQueue());
        // Free B: 2, 1, 0 join tail first.
        free(c, 2);
        assertEquals(List.of(3, 4, 5, 6, 7, 8, 9, 2, 1, 0), c.freeQueue());
    }

    @Test
    void copyOnWriteWithoutAFreeBlockIsNoRoom() {
        PagedCache c = new PagedCache(spec(8), NO_SHARING);
        // A fills both blocks with 6 tokens; B forks; B's write needs a fresh block and there is none.
        granted(c, upTo(c, 1, tokens(0, 6)));
        c.fork(seq(1), seq(2));
        Allocation.NoRoom n = noRoom(c, upTo(c, 2, tokens(0, 7)));
        assertEquals(4, n.neededTokens());
        assertEquals(2, c.refCount(1));
        assertArrayEquals(new int[] {0, 1}, c.blockTable(seq(2)));
    }

    @Test
    void forkNeedsAnOpenParentAndANewChild() {
        PagedCache c = new PagedCache(spec(40), NO_SHARING);
        assertThrows(IllegalArgumentException.class, () -> c.fork(seq(1), seq(2)));
        granted(c, upTo(c, 1, tokens(0, 3)));
        granted(c, upTo(c, 2, tokens(0, 3)));
        assertThrows(IllegalArgumentException.class, () -> c.fork(seq(1), seq(2)));
        c.checkInvariants();
    }
}
