package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.check.CacheChecks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every strategy's {@code canEverHold} agrees with what an empty cache actually grants: a sequence it can hold is
 * granted token by token up to its full length, alone; one it cannot hold meets NoRoom on the way.
 */
class CanEverHoldTest {
    static final CacheSpec SPEC = new CacheSpec(1, 1, 1, 4, 40, 1024);   // 40 slots: 10 blocks of 4
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4).withWindow(8, 2);

    /** Every registered strategy, plugins included. */
    static java.util.List<String> names() {
        return AllStrategies.names();   // every registered strategy, plugins included, and the policies
    }

    static java.util.List<String> builtIns() {
        return KvCacheRegistry.BUILT_IN.stream().map(StrategyDescription::name).toList();
    }

    @ParameterizedTest
    @MethodSource("names")
    void agreesWithAllocation(String name) {   // the same check kvlab check-strategy runs
        for (CacheOptions options : CacheChecks.OPTION_SETS) {
            for (int length : CacheChecks.HOLD_LENGTHS) {
                CacheChecks.canEverHold(name, (spec, o) -> AllStrategies.create(name, spec, o), options, length);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("builtIns")
    void aPoolOfTheRightSizeHoldsTheLongestSequence(String name) {
        KvCache cache = AllStrategies.create(name, SPEC, OPTIONS);
        assertTrue(cache.canEverHold(8), name);
        boolean bounded = !"none".equals(name) && !"ring".equals(name);
        assertEquals(!bounded, cache.canEverHold(1000), name + ": only none and ring are unbounded by the pool");
        assertFalse(KvCacheRegistry.create("paged", SPEC.withCapacityTokens(3), OPTIONS).canEverHold(1),
                "3 slots are no whole block");
    }
}
