package dev.kvlab.cache;

import static dev.kvlab.cache.PolicyDriver.f;
import static dev.kvlab.cache.PolicyDriver.viewPositions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** TOVA's decisions: only the current query's attention counts, averaged over heads; the newest token may go. */
class TovaPolicyTest {

    static final CacheSpec SPEC = new CacheSpec(1, 2, 4, 4, 32, 64);
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4)
            .withEviction(EvictionOptions.DEFAULTS.withBudget(3));

    @Test
    void dropsWhatTheCurrentQueryAttendsLeast() {
        PolicyDriver d = new PolicyDriver("tova", SPEC, OPTIONS, 4, 20);
        assertEquals(StatsRequest.attention(3), d.chunk(4).stats(), "only the last query votes");
        // head means [0.1875, 0.3125, 0.1875, 0.3125]: positions 0 and 2 tie, the lower position goes
        d.observeAttention(new float[][] {f(0.125, 0.5, 0.25, 0.125), f(0.25, 0.125, 0.125, 0.5)});
        d.assertHeld(0, 1, 2, 3);

        d.chunk(5);
        // sums [1.0, 0.375, 0.375, 0.25]: the new token itself is the least attended
        d.observeAttention(new float[][] {f(0.5, 0.125, 0.25, 0.125), f(0.5, 0.25, 0.125, 0.125)});
        d.assertHeld(0, 1, 2, 3);

        Allocation.Granted g = d.chunk(6);
        assertArrayEquals(new int[] {1, 2, 3, 5}, viewPositions(g, 0));
        // sums [0.375, 0.75, 0.5, 0.375]: position 1 had the most last step, but only this query counts
        d.observeAttention(new float[][] {f(0.25, 0.25, 0.25, 0.25), f(0.125, 0.5, 0.25, 0.125)});
        d.assertHeld(0, 2, 3, 5);
    }
}
