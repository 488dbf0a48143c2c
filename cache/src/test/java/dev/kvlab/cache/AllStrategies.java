package dev.kvlab.cache;

import java.util.ArrayList;
import java.util.List;

/** The registry's strategies and the policy strategies, for suites that run every strategy. */
final class AllStrategies {

    private AllStrategies() {
    }

    static List<String> names() {
        List<String> out = new ArrayList<>(KvCacheRegistry.names());
        out.addAll(PolicyStrategies.names());
        return out;
    }

    static KvCache create(String name, CacheSpec spec, CacheOptions options) {
        return KvCacheRegistry.names().contains(name) ? KvCacheRegistry.create(name, spec, options)
                : PolicyStrategies.create(name, spec, options);
    }
}
