package dev.kvlab.cache;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registered strategies: the built-ins ({@link #BUILT_IN}, each described next to its class), then those of the
 * plugin jars in the directory named by the {@code KVLAB_PLUGINS} environment variable ({@link Plugins}).
 * Everything that lists, validates or builds a strategy by name asks here.
 *
 * <p>State: the one static value of the module, the list loaded on first use and never changed afterwards (the
 * environment of a process does not change). A plugin error is kept and rethrown, as a one-line
 * {@link IllegalArgumentException}, by every call.
 */
public final class KvCacheRegistry {
    /** The strategies kvlab ships, in the order they are listed. */
    public static final List<StrategyDescription> BUILT_IN = builtIn();

    private static List<StrategyDescription> builtIn() {
        List<StrategyDescription> all = new ArrayList<>(List.of(NoneCache.DESCRIPTION, ContiguousCache.DESCRIPTION,
                PagedCache.DESCRIPTION, RingCache.DESCRIPTION));
        all.addAll(PolicyStrategies.REGISTERED);
        return List.copyOf(all);
    }

    /** The environment variable naming the plugin directory. */
    public static final String PLUGINS_ENV = "KVLAB_PLUGINS";

    private static final class Loaded {
        static final Object VALUE = load();

        private static Object load() {
            try {
                String dir = System.getenv(PLUGINS_ENV);
                List<StrategyDescription> all = new ArrayList<>(BUILT_IN);
                if (dir != null && !dir.isBlank()) {
                    all.addAll(Plugins.load(Path.of(dir), PLUGINS_ENV + "=" + dir));
                }
                return index(all);
            } catch (IllegalArgumentException e) {
                return e;
            }
        }
    }

    /** A strategy chosen by {@code name[:variant]}: the registry name and the options with the variant applied. */
    public record Selection(StrategyDescription description, CacheOptions options) {
        public String strategy() {
            return description.name();
        }
    }

    private KvCacheRegistry() {
    }

    /** The descriptions by name, in order; a name given twice is an error naming it. */
    static Map<String, StrategyDescription> index(List<StrategyDescription> all) {
        Map<String, StrategyDescription> byName = new LinkedHashMap<>();
        for (StrategyDescription d : all) {
            if (byName.putIfAbsent(d.name(), d) != null) {
                throw new IllegalArgumentException("cache strategy '" + d.name() + "' registered twice");
            }
        }
        return byName;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, StrategyDescription> all() {
        if (Loaded.VALUE instanceof IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return (Map<String, StrategyDescription>) Loaded.VALUE;
    }

    /** Registered strategy names, built-ins first, in registration order. */
    public static List<String> names() {
        return List.copyOf(all().keySet());
    }

    /** Every registered description, in the order of {@link #names()}. */
    public static List<StrategyDescription> descriptions() {
        return List.copyOf(all().values());
    }

    /**
     * The description of {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static StrategyDescription describe(String name) {
        StrategyDescription d = all().get(name);
        if (d == null) {
            throw new IllegalArgumentException("unknown cache strategy '" + name + "'; known: "
                    + String.join(", ", all().keySet()));
        }
        return d;
    }

    /**
     * {@code name} or {@code name:variant} applied to {@code base}.
     *
     * @throws IllegalArgumentException for an unknown strategy or variant, listing the known ones
     */
    public static Selection select(String nameWithVariant, CacheOptions base) {
        String[] parts = nameWithVariant.split(":", 2);
        StrategyDescription d = describe(parts[0]);
        if (parts.length == 1) {
            return new Selection(d, base);
        }
        StrategyVariant v = d.variant(parts[1]).orElseThrow(() -> new IllegalArgumentException(
                "unknown strategy variant '" + nameWithVariant + "'; known: " + String.join(", ", selectableNames())));
        return new Selection(d, v.apply().apply(base));
    }

    /** Every name {@link #select} accepts: each strategy, then its variants. */
    public static List<String> selectableNames() {
        return all().values().stream().flatMap(d -> d.selectableNames().stream()).toList();
    }

    /**
     * Builds the named strategy.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static KvCache create(String name, CacheSpec spec, CacheOptions options) {
        return describe(name).factory().create(spec, options);
    }
}
