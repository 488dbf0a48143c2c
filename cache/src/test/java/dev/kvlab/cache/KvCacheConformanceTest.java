package dev.kvlab.cache;

import static dev.kvlab.cache.CacheAsserts.free;
import static dev.kvlab.cache.CacheAsserts.granted;
import static dev.kvlab.cache.CacheAsserts.seq;
import static dev.kvlab.cache.CacheAsserts.tokens;
import static dev.kvlab.cache.CacheAsserts.upTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.check.CacheChecks;
import dev.kvlab.cache.check.SlotSimulator;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered strategy (plugins included), with no per-strategy code: registering a strategy puts it through
 * all of this. Each test runs against two option sets (block size, sharing, window, sinks and reserve all differ).
 */
class KvCacheConformanceTest {

    static final CacheSpec SPEC = new CacheSpec(2, 2, 4, 4, 96, 48);
    static final CacheOptions SMALL = CacheChecks.OPTION_SETS.get(0);
    static final CacheOptions OTHER = CacheChecks.OPTION_SETS.get(1);

    static Stream<Arguments> strategies() {
        return AllStrategies.names().stream()
                .flatMap(name -> Stream.of(Arguments.of(name, SMALL), Arguments.of(name, OTHER)));
    }

    static KvCache create(String name, CacheOptions options) {
        return create(name, SPEC, options);
    }

    static KvCache create(String name, CacheSpec spec, CacheOptions options) {
        KvCache cache = AllStrategies.create(name, spec, options);
        assertEquals(name, cache.name());
        assertEquals(spec, cache.spec());
        cache.checkInvariants();
        return cache;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("strategies")
    void randomInterleavedSequencesReadExactlyTheirKeys(String name, CacheOptions options) {
        for (long seed = 1; seed <= CacheChecks.SEEDS; seed++) {   // the same check kvlab check-strategy runs
            CacheChecks.randomWorkload(name, (spec, o) -> AllStrategies.create(name, spec, o), CacheChecks.TIGHT, options,
                    seed);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("strategies")
    void numTokensTracksSeenTokens(String name, CacheOptions options) {
        KvCache cache = create(name, options);
        int[] t = tokens(7, 12);
        assertEquals(0, cache.numTokens(seq(1)));
        granted(cache, upTo(cache, 1, Arrays.copyOf(t, 5), 12));
        assertEquals(5, cache.numTokens(seq(1)));
        granted(cache, upTo(cache, 1, Arrays.copyOf(t, 6), 12));
        granted(cache, upTo(cache, 1, t, 12));
        assertEquals(12, cache.numTokens(seq(1)));
        free(cache, 1);
        assertEquals(0, cache.numTokens(seq(1)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("strategies")
    void chunkMustStartWhereTheCacheLeftOff(String name, CacheOptions options) {
        KvCache cache = create(name, options);
        granted(cache, upTo(cache, 1, tokens(0, 4), 12));
        assertThrows(IllegalArgumentException.class,
                () -> cache.allocate(new AllocRequest(seq(1), tokens(0, 6), 1, 12)));
        cache.checkInvariants();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("strategies")
    void resetLeavesNothingReserved(String name, CacheOptions options) {
        KvCache cache = create(name, options);
        granted(cache, upTo(cache, 1, tokens(0, 9), 20));
        granted(cache, upTo(cache, 1, tokens(0, 10), 20)); // a paged cache now holds registered full blocks
        granted(cache, upTo(cache, 2, tokens(0, 5), 20));
        cache.reset();
        cache.checkInvariants();
        MemoryStats m = cache.memory();
        assertEquals(0, m.reservedTokens());
        assertEquals(0, m.liveTokens());
        assertEquals(0, m.peakReservedTokens());
        assertEquals(0, m.blocksUsed());
        assertEquals(0, cache.numTokens(seq(1)));
        assertEquals(0, cache.attachPrefix(seq(3), tokens(0, 9)), "reset forgets cached prefixes");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("strategies")
    void freeOfUnknownSequenceIsANoOp(String name, CacheOptions options) {
        KvCache cache = create(name, options);
        granted(cache, upTo(cache, 1, tokens(0, 5), 20));
        MemoryStats before = cache.memory();
        free(cache, 42);
        free(cache, 42);
        assertEquals(before, cache.memory());
        assertEquals(5, cache.numTokens(seq(1)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("strategies")
    void preemptThenResumeReadsTheSameKeys(String name, CacheOptions options) {
        KvCache cache = create(name, options);
        SlotSimulator sim = new SlotSimulator(SPEC.capacityTokens());
        int[] t = tokens(100, 14);
        sim.apply(upTo(cache, 1, Arrays.copyOf(t, 9), 14), granted(cache, upTo(cache, 1, Arrays.copyOf(t, 9), 14)));
        AllocRequest decode = upTo(cache, 1, t, 14);
        Set<Integer> first = sim.apply(decode, granted(cache, decode));
        free(cache, 1);
        AllocRequest again = upTo(cache, 1, t, 14);
        assertEquals(first, sim.apply(again, granted(cache, again)), "resume from position 0 reads the same keys");
        assertEquals(14, cache.numTokens(seq(1)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("strategies")
    void memoryStatsAreConsistent(String name, CacheOptions options) {
        KvCache cache = create(name, options);
        dev.kvlab.cache.check.Rules.memoryConsistent(cache.memory());
        granted(cache, upTo(cache, 1, tokens(0, 11), 16));
        granted(cache, upTo(cache, 2, tokens(50, 3), 16));
        MemoryStats m = cache.memory();
        dev.kvlab.cache.check.Rules.memoryConsistent(m);
        assertEquals(SPEC.capacityTokens(), m.capacityTokens());
        if (cache.storage().kind() == KvStorage.Kind.MODEL_DTYPE) {   // nothing evicted: every layer holds the same
            assertEquals(SPEC.bytesPerToken(), m.bytesPerToken());
            assertEquals(m.reservedTokens() * SPEC.bytesPerToken(), m.reservedBytes());
            assertEquals(m.liveTokens() * SPEC.bytesPerToken(), m.liveBytes());
        } else {
            assertEquals(m.blocksUsed() * cache.storage().groupBytes(SPEC), m.reservedBytes());
        }
        assertTrue(m.liveTokens() <= 14);
        free(cache, 1);
        free(cache, 2);
        assertEquals(0, cache.memory().reservedTokens());
        assertEquals(m.peakReservedTokens(), cache.memory().peakReservedTokens(), "peak survives frees");
    }
}
