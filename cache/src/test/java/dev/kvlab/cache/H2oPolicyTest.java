package dev.kvlab.cache;

import static dev.kvlab.cache.PolicyDriver.f;
import static dev.kvlab.cache.PolicyDriver.viewPositions;
import static dev.kvlab.cache.PolicyDriver.viewSlots;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** H2O's decisions on hand-made attention: accumulated scores, summed over heads, a protected recent window. */
class H2oPolicyTest {

    static final CacheSpec SPEC = new CacheSpec(1, 2, 4, 4, 32, 64);   // 1 layer, 2 heads, 8 blocks of 4
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4)
            .withEviction(EvictionOptions.DEFAULTS.withBudget(4).withRecentWindow(2));

    @Test
    void keepsHeavyHittersAndTheRecentWindow() {
        PolicyDriver d = new PolicyDriver("h2o", SPEC, OPTIONS, 6, 20);
        Allocation.Granted g = d.chunk(6);
        assertEquals(StatsRequest.attention(0), g.stats(), "all six queries vote");
        // per head, each of the 6 queries spreads mass 1: sums over heads [5.0, 0.6, 1.5, 0.7, 2.0, 2.2]
        d.observeAttention(new float[][] {f(3.0, 0.1, 0.5, 0.2, 1.0, 1.2), f(2.0, 0.5, 1.0, 0.5, 1.0, 1.0)});
        d.assertHeld(0, 0, 2, 4, 5);   // 4 and 5 are recent; of 0..3 the two lightest (1, 3) go

        g = d.chunk(7);
        assertArrayEquals(new int[] {0, 2, 4, 5, 6}, viewPositions(g, 0), "the chunk is listed last");
        assertEquals(1, viewSlots(g, 0)[4], "position 6 fills the lowest hole: slot 1 of evicted position 1");
        // scores now 0: 5.8, 2: 1.9, 4: 2.2, 5: 2.6, 6: 0.2; recent = {5, 6}
        d.observeAttention(new float[][] {f(0.5, 0.1, 0.1, 0.2, 0.1), f(0.3, 0.3, 0.1, 0.2, 0.1)});
        d.assertHeld(0, 0, 4, 5, 6);

        g = d.chunk(8);
        assertEquals(StatsRequest.attention(7), g.stats());
        // scores 0: 6.0, 4: 2.4, 5: 2.8, 6: 1.4 (no longer recent next time), 7: 0.2; recent = {6, 7}
        d.observeAttention(new float[][] {f(0.1, 0.1, 0.1, 0.6, 0.1), f(0.1, 0.1, 0.1, 0.6, 0.1)});
        d.assertHeld(0, 0, 5, 6, 7);
        assertEquals(4, d.cache.numHeldTokens(PolicyDriver.SEQ, 0));
        assertEquals(8, d.cache.numTokens(PolicyDriver.SEQ));
    }

    @Test
    void blockGranularityDropsWholeBlocksLowestTotalFirst() {
        CacheOptions blocks = CacheOptions.DEFAULTS.withBlockSize(2).withEviction(EvictionOptions.DEFAULTS
                .withBudget(4).withRecentWindow(2).withGranularity(EvictionOptions.Granularity.BLOCK));
        PolicyDriver d = new PolicyDriver("h2o", SPEC, blocks, 8, 20);
        d.chunk(8);   // blocks 0..3 hold positions [0,1] [2,3] [4,5] [6,7]
        assertEquals(4, d.cache.memory().blocksUsed());
        // block totals (both heads): [0,1] = 4.0, [2,3] = 1.0, [4,5] = 2.0, [6,7] recent
        d.observeAttention(new float[][] {f(2.0, 1.0, 0.25, 0.25, 0.5, 0.5, 1.5, 2.0),
                f(0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 3.0, 2.5)});
        d.assertHeld(0, 0, 1, 6, 7);
        assertEquals(2, d.cache.memory().blocksUsed(), "whole blocks went back to the pool");
        Allocation.Granted g = d.chunk(9);
        assertEquals(3, d.cache.memory().blocksUsed(), "no holes at block granularity: a fresh block");
        assertEquals(8, viewSlots(g, 0)[4], "position 8 starts the free queue's head block (4)");
    }

    @Test
    void aBudgetThatNeverBindsAsksNothingAndKeepsEverything() {
        CacheOptions unbounded = CacheOptions.DEFAULTS.withBlockSize(4);
        PolicyDriver d = new PolicyDriver("h2o", SPEC, unbounded, 6, 20);
        assertEquals(StatsRequest.NONE, d.chunk(6).stats());
        d.observe(new float[0][][], new float[0][][]);
        d.chunk(7);
        d.observe(new float[0][][], new float[0][][]);
        d.assertHeld(0, 0, 1, 2, 3, 4, 5, 6);
    }
}
