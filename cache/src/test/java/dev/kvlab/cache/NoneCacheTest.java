package dev.kvlab.cache;

import static dev.kvlab.cache.CacheAsserts.free;
import static dev.kvlab.cache.CacheAsserts.granted;
import static dev.kvlab.cache.CacheAsserts.seq;
import static dev.kvlab.cache.CacheAsserts.tokens;
import static dev.kvlab.cache.CacheAsserts.upTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.junit.jupiter.api.Test;

class NoneCacheTest {

    @Test
    void storesNothingAndRecomputesEverything() {
        NoneCache c = new NoneCache(new CacheSpec(1, 1, 1, 4, 0, 16), CacheOptions.DEFAULTS);
        // A 5-token prompt: no writes, the runtime recomputes positions 0..4.
        Allocation.Granted g = granted(c, upTo(c, 1, tokens(0, 5)));
        assertEquals(0, g.writeSlots().length);
        assertEquals(List.of(), g.copies());
        assertInstanceOf(AttentionView.Recompute.class, g.view());
        // Decoding still tracks tokens seen; nothing is ever reserved, even with a 0-slot pool.
        granted(c, upTo(c, 1, tokens(0, 6)));
        assertEquals(6, c.numTokens(seq(1)));
        assertEquals(new MemoryStats(0, 0, 0, 0, 0, 0, 8), c.memory());
        assertEquals(0, c.attachPrefix(seq(2), tokens(0, 5)));
        free(c, 1);
        assertEquals(0, c.numTokens(seq(1)));
    }
}
