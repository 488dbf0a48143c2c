package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class KvCacheRegistryTest {

    static final CacheSpec SPEC = new CacheSpec(1, 1, 1, 4, 64, 32);

    @Test
    void listsTheGlossaryStrategiesInOrder() {
        assertEquals(List.of("none", "contiguous", "paged", "ring"), KvCacheRegistry.names());
    }

    @Test
    void createsEachByName() {
        for (String name : KvCacheRegistry.names()) {
            KvCache cache = KvCacheRegistry.create(name, SPEC, CacheOptions.DEFAULTS.withWindow(8, 2));
            assertEquals(name, cache.name());
            cache.checkInvariants();
        }
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KvCacheRegistry.create("x", SPEC, CacheOptions.DEFAULTS));
        assertEquals("unknown cache strategy 'x'; known: none, contiguous, paged, ring", e.getMessage());
    }
}
