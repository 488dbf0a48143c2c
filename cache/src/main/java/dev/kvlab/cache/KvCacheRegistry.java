package dev.kvlab.cache;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place strategies are listed, by their glossary name. Adding a strategy is one class plus one
 * {@code register} line here; the conformance suite then runs it automatically. The map is filled once, in the
 * static block, and never changes afterwards (the only static state of the module).
 */
public final class KvCacheRegistry {

    private static final Map<String, KvCacheFactory> FACTORIES = new LinkedHashMap<>();

    static {
        register("none", NoneCache::new);
        register("contiguous", ContiguousCache::new);
        register("paged", PagedCache::new);
        register("ring", RingCache::new);
    }

    private KvCacheRegistry() {
    }

    private static void register(String name, KvCacheFactory factory) {
        if (FACTORIES.putIfAbsent(name, factory) != null) {
            throw new IllegalStateException("cache strategy '" + name + "' registered twice");
        }
    }

    /** Registered strategy names, in registration order. */
    public static List<String> names() {
        return List.copyOf(FACTORIES.keySet());
    }

    /**
     * Builds the named strategy.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static KvCache create(String name, CacheSpec spec, CacheOptions options) {
        KvCacheFactory factory = FACTORIES.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown cache strategy '" + name + "'; known: "
                    + String.join(", ", FACTORIES.keySet()));
        }
        return factory.create(spec, options);
    }
}
