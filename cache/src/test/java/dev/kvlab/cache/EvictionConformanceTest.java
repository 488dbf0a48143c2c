package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.check.CacheChecks;
import dev.kvlab.cache.check.RandomWorkload;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The policy strategies under the random workload of {@link KvCacheConformanceTest} (interleaved sequences, chunked
 * prefill, NoRoom, preemption and recompute, resets), with the statistics a runtime would hand over after every
 * step: a budget that never binds reads exactly what a paged cache reads; a binding one keeps every layer within it
 * after each step, does evict, and the next view lists exactly what the cache says it kept.
 */
class EvictionConformanceTest {

    static Stream<Arguments> policies() {
        return PolicyStrategies.names().stream().flatMap(name -> Stream.of(
                Arguments.of(name, KvCacheConformanceTest.SMALL), Arguments.of(name, KvCacheConformanceTest.OTHER)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("policies")
    void aBudgetThatNeverBindsReadsWhatPagedReads(String name, CacheOptions options) {
        CacheOptions unbounded = options.withEviction(options.eviction().withBudget(EvictionOptions.UNBOUNDED));
        for (long seed = 1; seed <= 4; seed++) {
            KvCache cache = PolicyStrategies.create(name, CacheChecks.TIGHT, unbounded);
            new RandomWorkload(cache, seed).requireFullReads(true).run(300);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("policies")
    void aBindingBudgetHoldsAfterEveryStep(String name, CacheOptions options) {
        int budget = options.eviction().budget();
        long[] evicted = {0};
        for (long seed = 1; seed <= 4; seed++) {
            EvictingCache cache = (EvictingCache) PolicyStrategies.create(name, CacheChecks.TIGHT, options);
            RandomWorkload workload = new RandomWorkload(cache, seed);
            workload.afterObserve(seq -> {
                for (int l = 0; l < cache.spec().numLayers(); l++) {
                    int held = cache.numHeldTokens(seq, l);
                    int seen = cache.numTokens(seq);
                    String where = name + " layer " + l + " holds " + held + " of " + seen + " with budget " + budget;
                    assertTrue(held <= bound(name, l, budget, seen), where);
                    evicted[0] += seen - held;
                    workload.simulator().held.expectHeld(seq, l, cache.heldPositions(seq, l));
                }
            }).run(300);
        }
        if (!name.equals("int8")) {
            assertTrue(evicted[0] > 0, name + " evicted something");
        }
    }

    /** The most a layer may hold after a step: the budget, except where a policy keeps more by design. */
    private static int bound(String name, int layer, int budget, int seen) {
        return switch (name) {
            case "int8" -> seen;
            case "mix" -> layer < CacheChecks.TIGHT.numLayers() / 2 ? seen : budget;
            case "snapkv" -> seen;   // compresses the prompt only; checked by SnapKvPolicyTest
            default -> budget;
        };
    }
}
