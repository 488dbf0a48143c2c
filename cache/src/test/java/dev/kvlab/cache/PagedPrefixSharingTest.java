package dev.kvlab.cache;

import static dev.kvlab.cache.CacheAsserts.attach;
import static dev.kvlab.cache.CacheAsserts.free;
import static dev.kvlab.cache.CacheAsserts.granted;
import static dev.kvlab.cache.CacheAsserts.seq;
import static dev.kvlab.cache.CacheAsserts.tokens;
import static dev.kvlab.cache.CacheAsserts.upTo;
import static dev.kvlab.cache.PagedCacheTest.spec;
import static dev.kvlab.cache.PagedCacheTest.table;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Paged prefix sharing: 10 blocks of 4 slots; hits, registration timing, LRU revival, eviction, collisions. */
class PagedPrefixSharingTest {

    static final CacheOptions SHARING = CacheOptions.DEFAULTS.withBlockSize(4).withPrefixSharing(true);
    static final int[] PROMPT = tokens(100, 10);

    /** Prefill the prompt, then decode one token: the prompt's full blocks are registered by the decode. */
    static void computeAndDecode(PagedCache c, long seq, int[] prompt) {
        granted(c, upTo(c, seq, prompt));
        granted(c, upTo(c, seq, Arrays.copyOf(prompt, prompt.length + 1)));
    }

    @Test
    void registersOnlyBlocksComputedInEarlierSteps() {
        PagedCache c = new PagedCache(spec(40), SHARING);
        // Empty cache: nothing to attach.
        assertEquals(0, attach(c, 1, PROMPT));
        // A's prefill writes blocks 0, 1, 2; none is findable while being written.
        assertArrayEquals(new int[] {0, 1, 2}, table(granted(c, upTo(c, 1, PROMPT))));
        assertFalse(c.isCached(0) || c.isCached(1) || c.isCached(2));
        // A's decode: positions 0..7 were computed by the prefill, so blocks 0 and 1 are registered; block 2 is not full.
        granted(c, upTo(c, 1, Arrays.copyOf(PROMPT, 11)));
        assertTrue(c.isCached(0) && c.isCached(1));
        assertFalse(c.isCached(2));

        // B, same prompt: attaches blocks 0 and 1 (8 tokens) and computes positions 8, 9 into block 3.
        assertEquals(8, attach(c, 2, PROMPT));
        assertEquals(8, c.numTokens(seq(2)));
        assertEquals(2, c.refCount(0));
        assertEquals(2, c.refCount(1));
        Allocation.Granted b = granted(c, upTo(c, 2, PROMPT));
        assertArrayEquals(new int[] {0, 1, 3}, table(b));
        assertArrayEquals(new int[] {12, 13}, b.writeSlots());
        assertArrayEquals(new int[] {0, 1}, b.writeChunkIndex());

        // 4 blocks used, not 6; shared blocks count once in live: 4 + 4 + 3 + 2.
        assertEquals(4, c.memory().blocksUsed());
        assertEquals(13, c.memory().liveTokens());
    }

    @Test
    void resetPrefixCacheForgetsCachedBlocksWhileHeldOnesStayHeld() {
        PagedCache c = new PagedCache(spec(40), SHARING);
        computeAndDecode(c, 1, PROMPT);            // A holds the prompt's 2 full blocks, registered
        computeAndDecode(c, 2, tokens(500, 10));   // B too, then B ends: its blocks are free but findable
        free(c, 2);
        assertEquals(8, attach(c, 3, PROMPT), "before the reset the prompt's full blocks are found");
        free(c, 3);
        int[] held = c.blockTable(seq(1));
        c.resetPrefixCache();
        c.checkInvariants();
        assertEquals(0, attach(c, 4, PROMPT), "A's blocks are no longer findable");
        assertEquals(0, attach(c, 5, tokens(500, 10)), "nor B's freed ones");
        assertArrayEquals(held, c.blockTable(seq(1)), "A keeps what it holds");
        granted(c, upTo(c, 1, Arrays.copyOf(PROMPT, 13)));   // and goes on
    }

    @Test
    void attachLeavesTheLastPromptTokenToCompute() {
        PagedCache c = new PagedCache(spec(40), SHARING);
        // A computes 12 tokens and decodes: blocks 0, 1, 2 are cached (positions 0..11).
        computeAndDecode(c, 1, tokens(100, 12));
        assertTrue(c.isCached(2));
        // A 12-token prompt may attach at most floor(11 / 4) = 2 blocks: position 11 must be computed.
        assertEquals(8, attach(c, 2, tokens(100, 12)));
        // A 13-token prompt may attach all 3.
        assertEquals(12, attach(c, 3, tokens(100, 13)));
        // A prompt that differs in block 1 attaches only block 0.
        int[] other = tokens(100, 12);
        other[5] = 7;
        assertEquals(4, attach(c, 4, other));
    }

    @Test
    void sharingUsesFewerBlocksThanNoSharing() {
        // Three requests share a 16-token system prompt and differ in 2 tokens; pool of 20 blocks.
        int[][] prompts = new int[3][];
        for (int i = 0; i < 3; i++) {
            prompts[i] = Arrays.copyOf(tokens(100, 16), 18);
            prompts[i][16] = i;
            prompts[i][17] = 9;
        }
        PagedCache on = new PagedCache(spec(80), SHARING);
        PagedCache off = new PagedCache(spec(80), SHARING.withPrefixSharing(false));
        int[] attached = new int[2];
        for (int k = 0; k < 2; k++) {
            PagedCache c = k == 0 ? on : off;
            for (int i = 0; i < 3; i++) {
                attached[k] += attach(c, i, prompts[i]);
                computeAndDecode(c, i, Arrays.copyOfRange(prompts[i], 0, 18));
            }
        }
        // On: the first computes 5 blocks, the others attach 4 and add 1 each. Off: 5 blocks each.
        assertEquals(32, attached[0]);
        assertEquals(7, on.memory().blocksUsed());
        assertEquals(0, attached[1]);
        assertEquals(15, off.memory().blocksUsed());
    }

    @Test
    void freedCachedBlocksAreRevivedFromTheMiddleOfTheFreeQueue() {
        PagedCache c = new PagedCache(spec(40), SHARING);
        computeAndDecode(c, 1, PROMPT);
        // Free A: blocks 2, 1, 0 go to the tail; 0 and 1 stay cached while free.
        free(c, 1);
        assertEquals(List.of(3, 4, 5, 6, 7, 8, 9, 2, 1, 0), c.freeQueue());
        assertTrue(c.isCached(0) && c.isCached(1));
        assertEquals(0, c.memory().reservedTokens());
        // B attaches the prompt: blocks 0 and 1 leave the free queue from its middle and tail.
        assertEquals(8, attach(c, 2, PROMPT));
        assertEquals(List.of(3, 4, 5, 6, 7, 8, 9, 2), c.freeQueue());
        assertEquals(1, c.refCount(0));
        assertEquals(8, c.memory().reservedTokens());
        // B's remaining 2 prompt tokens take the head, block 3.
        assertArrayEquals(new int[] {0, 1, 3}, table(granted(c, upTo(c, 2, PROMPT))));
    }

    @Test
    void evictionRemovesTheHash() {
        PagedCache c = new PagedCache(spec(40), SHARING);
        computeAndDecode(c, 1, PROMPT);
        free(c, 1);
        // B: 32 unrelated tokens take the 8 uncached blocks at the head: 3..9 and 2.
        assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8, 9, 2}, table(granted(c, upTo(c, 2, tokens(500, 32)))));
        assertEquals(List.of(1, 0), c.freeQueue());
        // C: 4 unrelated tokens take block 1, least recently freed: its cached prefix is evicted.
        assertArrayEquals(new int[] {1}, table(granted(c, upTo(c, 3, tokens(600, 4)))));
        assertFalse(c.isCached(1));
        assertTrue(c.isCached(0));
        // D finds block 0 but not the chain's second block: 4 tokens attached.
        assertEquals(4, attach(c, 4, PROMPT));
        assertEquals(List.of(), c.freeQueue());
    }

    @Test
    void aHashCollisionNeverAliases() {
        // [0, 31] and [1, 0] have the same Arrays.hashCode (992): keys must compare tokens, not hashes.
        assertEquals(Arrays.hashCode(new int[] {0, 31}), Arrays.hashCode(new int[] {1, 0}));
        PagedCache c = new PagedCache(spec(40), SHARING.withBlockSize(2));
        computeAndDecode(c, 1, new int[] {0, 31, 7});
        assertTrue(c.isCached(0));
        assertEquals(0, attach(c, 2, new int[] {1, 0, 7}));
        assertEquals(2, attach(c, 3, new int[] {0, 31, 7}));
    }

    @Test
    void aStepPreemptedBeforeItRanLeavesNothingFindable() {
        PagedCache c = new PagedCache(spec(40), SHARING);
        // A's prefill is granted, then A is preempted before the step runs: no K/V was ever written.
        granted(c, upTo(c, 1, PROMPT));
        free(c, 1);
        // Nothing of it may be attached.
        assertFalse(c.isCached(0) || c.isCached(1));
        assertEquals(0, attach(c, 2, PROMPT));
    }

    @Test
    void attachWithSharingOffAttachesNothing() {
        PagedCache c = new PagedCache(spec(40), SHARING.withPrefixSharing(false));
        computeAndDecode(c, 1, PROMPT);
        assertEquals(0, attach(c, 2, PROMPT));
        assertFalse(c.isCached(0));
    }
}
