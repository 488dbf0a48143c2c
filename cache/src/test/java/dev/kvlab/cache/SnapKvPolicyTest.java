package dev.kvlab.cache;

import static dev.kvlab.cache.PolicyDriver.f;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** SnapKV's decisions: the observation window votes, scores are pooled, only the prompt is compressed. */
class SnapKvPolicyTest {

    static final CacheSpec SPEC = new CacheSpec(1, 1, 4, 4, 32, 64);
    /** budget 6, window 2 (clamped to at most budget / 2 = 3), pooling kernel 3. */
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4)
            .withEviction(EvictionOptions.DEFAULTS.withBudget(6).withObservation(2, 3));

    /** Votes of queries 8 and 9 on keys 0..9 (each query spreads 1). */
    static final float[] VOTES = f(2.0, 0, 0, 0, 0, 1.0, 0, 0, 0.5, 0.5);

    @Test
    void keepsTheWindowAndTheBestPooledPrefix() {
        PolicyDriver d = new PolicyDriver("snapkv", SPEC, OPTIONS, 10, 14);
        assertEquals(StatsRequest.NONE, d.chunk(8).stats(), "no window query in positions 0..7");
        d.observe(new float[0][][], new float[0][][]);
        d.assertHeld(0, 0, 1, 2, 3, 4, 5, 6, 7);
        assertEquals(StatsRequest.attention(8), d.chunk(10).stats());
        d.observeAttention(new float[][] {VOTES});
        // pooled over 0..7 with kernel 3: [2/3, 2/3, 0, 0, 1/3, 1/3, 1/3, 0]; keep 4 of them (ties: lower goes)
        d.assertHeld(0, 0, 1, 5, 6, 8, 9);

        assertEquals(StatsRequest.NONE, d.chunk(11).stats(), "after the prompt nothing is asked");
        d.observe(new float[0][][], new float[0][][]);
        d.chunk(12);
        d.observe(new float[0][][], new float[0][][]);
        d.assertHeld(0, 0, 1, 5, 6, 8, 9, 10, 11);   // generated tokens are never evicted
    }

    @Test
    void aChunkedPrefillAccumulatesTheWindowsVotes() {
        PolicyDriver d = new PolicyDriver("snapkv", SPEC, OPTIONS, 10, 14);
        assertEquals(StatsRequest.attention(8), d.chunk(9).stats(), "query 8 is in the window");
        d.observeAttention(new float[][] {f(1.0, 0, 0, 0, 0, 0.5, 0, 0, 0.5)});
        d.assertHeld(0, 0, 1, 2, 3, 4, 5, 6, 7, 8);   // the prompt is not done: nothing goes yet
        assertEquals(StatsRequest.attention(9), d.chunk(10).stats());
        d.observeAttention(new float[][] {f(1.0, 0, 0, 0, 0, 0.5, 0, 0, 0, 0.5)});
        d.assertHeld(0, 0, 1, 5, 6, 8, 9);   // the same votes in total: the same choice as in one chunk
    }

    @Test
    void poolingIsAvgPool1dWithZeroPadding() {
        assertArrayEquals(new double[] {1.0, 2.0, 3.0, 7.0 / 3},
                SnapKvPolicy.averagePool(new double[] {1, 2, 3, 4}, 3), 1e-12);
        assertArrayEquals(new double[] {1, 2}, SnapKvPolicy.averagePool(new double[] {1, 2}, 1), 0);
    }

    @Test
    void aPromptWithinTheBudgetIsKeptWhole() {
        PolicyDriver d = new PolicyDriver("snapkv", SPEC, OPTIONS, 5, 14);
        assertEquals(StatsRequest.NONE, d.chunk(5).stats());
        d.observe(new float[0][][], new float[0][][]);
        d.assertHeld(0, 0, 1, 2, 3, 4);
    }
}
