package dev.kvlab.cache;

import java.util.ArrayList;
import java.util.List;

/** The registry's strategies and the policy strategies, for suites that run every strategy. */
final class AllStrategies {

    private AllStrategies() {
    }

    static List<String> names() {
        List<String> out = new ArrayList<>(KvCacheRegistry.names());
        PolicyStrategies.names().stream().filter(n -> !out.contains(n)).forEach(out::add);
        return out;
    }

    static KvCache create(String name, CacheSpec spec, CacheOptions options) {
        return KvCacheRegistry.names().contains(name) ? KvCacheRegistry.create(name, spec, options)
                : PolicyStrategies.create(name, spec, options);
    }
}
