package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class KvCacheRegistryTest {

    static final CacheSpec SPEC = new CacheSpec(1, 1, 1, 4, 64, 32);

    @Test
    void listsTheGlossaryStrategiesFirstInOrder() {
        assertEquals(List.of("none", "contiguous", "paged", "ring"), KvCacheRegistry.names().subList(0, 4));
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
        assertTrue(e.getMessage().startsWith("unknown cache strategy 'x'; known: none, contiguous, paged, ring"),
                e.getMessage());
    }

    @Test
    void variantsSelectTheirOptionsAndAreNamedBackFromThem() {
        KvCacheRegistry.Selection max = KvCacheRegistry.select("contiguous:max", CacheOptions.DEFAULTS);
        assertEquals("contiguous", max.strategy());
        assertEquals(CacheOptions.Reserve.MAX, max.options().reserve());
        assertEquals("contiguous:max", max.description().nameWithVariant(max.options()));
        KvCacheRegistry.Selection noprefix = KvCacheRegistry.select("paged:noprefix", CacheOptions.DEFAULTS);
        assertFalse(noprefix.options().prefixSharing());
        assertEquals("paged:noprefix", noprefix.description().nameWithVariant(noprefix.options()));
        assertEquals("paged", PagedCache.DESCRIPTION.nameWithVariant(CacheOptions.DEFAULTS));
        assertTrue(KvCacheRegistry.selectableNames().containsAll(List.of("contiguous:max", "paged:noprefix")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KvCacheRegistry.select("paged:nope", CacheOptions.DEFAULTS));
        assertTrue(e.getMessage().startsWith("unknown strategy variant 'paged:nope'; known: none, contiguous, "
                + "contiguous:max, paged, paged:noprefix, ring"), e.getMessage());
    }

    @Test
    void theTokenBudgetIsTheWindowOrTheEvictionBudgetAndSetsWhatTheStrategyReads() {
        assertEquals(java.util.Optional.of(CacheOption.WINDOW), RingCache.DESCRIPTION.tokenBudget());
        for (StrategyDescription d : PolicyStrategies.EVICTION) {
            assertEquals(java.util.Optional.of(CacheOption.BUDGET), d.tokenBudget(), d.name());
        }
        for (String full : List.of("none", "contiguous", "paged", "int8")) {
            assertTrue(KvCacheRegistry.describe(full).tokenBudget().isEmpty(), full);
        }
        CacheOptions o = CacheOptions.DEFAULTS.withWindow(64, 4);
        assertEquals(96, CacheOption.WINDOW.withTokens(o, 96).window());
        assertEquals(4, CacheOption.WINDOW.withTokens(o, 96).sinks());
        assertEquals(208, CacheOption.BUDGET.withTokens(o, 208).eviction().budget());
        assertThrows(IllegalArgumentException.class, () -> CacheOption.SINKS.withTokens(o, 8));
        assertEquals("window 64 sinks 4", RingCache.DESCRIPTION.describeOptions(o));
        assertEquals("block-size 16 budget 0 granularity token", PolicyStrategies.H2O.describeOptions(o));
        assertEquals("block-size 16 budget 208 granularity token",
                PolicyStrategies.H2O.describeOptions(CacheOption.BUDGET.withTokens(o, 208)));
        assertEquals("block-size 16 prefix-sharing on", PagedCache.DESCRIPTION.describeOptions(o));
    }

    @Test
    void aNameRegisteredTwiceIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KvCacheRegistry.index(List.of(PagedCache.DESCRIPTION, PagedCache.DESCRIPTION)));
        assertEquals("cache strategy 'paged' registered twice", e.getMessage());
    }

    @Test
    void descriptionsRejectBadNames() {
        assertThrows(IllegalArgumentException.class, () -> new StrategyDescription("Paged:x", "s", null, null,
                PagedCache::new));
    }
}
