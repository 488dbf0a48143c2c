package dev.kvlab.scheduler;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The caches the scheduler tests run against, each as (name, capacityTokens -> empty cache). */
final class Caches {

    static final int BLOCK_SIZE = 4;
    static final int WINDOW = 32;
    static final int SINKS = 4;

    private Caches() {
    }

    /** A geometry with 1-element K/V (the scheduler never looks at bytes) and GPT-2's 1024 positions. */
    static CacheSpec spec(int capacityTokens) {
        return new CacheSpec(1, 1, 1, 4, capacityTokens, 1024);
    }

    static CacheOptions options(boolean prefixSharing) {
        return CacheOptions.DEFAULTS.withBlockSize(BLOCK_SIZE).withPrefixSharing(prefixSharing)
                .withWindow(WINDOW, SINKS);
    }

    /** Caches that count 4-token blocks taken on demand, so exact scenario traces are the same for each. */
    static Stream<Arguments> blockCounting() {
        return Stream.of(
                Arguments.of("fake-blocks", (IntFunction<KvCache>) cap -> new FakeBlockCache(cap, BLOCK_SIZE)),
                Arguments.of("paged", registered("paged", false)));
    }

    /** The test fake and every registered strategy (paged with and without prefix sharing). */
    static Stream<Arguments> all() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("fake-blocks", (IntFunction<KvCache>) cap -> new FakeBlockCache(cap, BLOCK_SIZE)));
        for (String name : KvCacheRegistry.names()) {
            out.add(Arguments.of(name, registered(name, true)));
        }
        out.add(Arguments.of("paged-no-prefix-sharing", registered("paged", false)));
        return out.stream();
    }

    private static IntFunction<KvCache> registered(String name, boolean prefixSharing) {
        return cap -> KvCacheRegistry.create(name, spec(cap), options(prefixSharing));
    }
}
