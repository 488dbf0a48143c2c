package dev.kvlab.cache;

import static dev.kvlab.cache.PolicyDriver.f;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Key-norm decisions: the highest mean key norm goes first; only norms of new keys are needed. */
class KeyNormPolicyTest {

    static final CacheSpec SPEC = new CacheSpec(1, 2, 4, 4, 32, 64);
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4)
            .withEviction(EvictionOptions.DEFAULTS.withBudget(3));

    @Test
    void dropsTheKeysOfHighestNorm() {
        PolicyDriver d = new PolicyDriver("knorm", SPEC, OPTIONS, 4, 20);
        assertEquals(StatsRequest.keyNormsOnly(), d.chunk(4).stats());
        // mean norms [1, 2, 2, 0.5]: positions 1 and 2 tie, the lower position goes
        d.observeNorms(new float[][] {f(1.0, 3.0, 2.0, 0.5), f(1.0, 1.0, 2.0, 0.5)});
        d.assertHeld(0, 0, 2, 3);
        d.chunk(5);
        d.observeNorms(new float[][] {f(0.25), f(0.25)});   // the new key's norm 0.25: position 2 (norm 2) goes
        d.assertHeld(0, 0, 3, 4);
    }
}
