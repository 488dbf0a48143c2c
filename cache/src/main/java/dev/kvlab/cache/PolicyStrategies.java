package dev.kvlab.cache;

import java.util.List;
import java.util.Set;

/**
 * The strategies built on {@link EvictingCache}, one {@link EvictionPolicy} class each, sharing the option
 * {@code EvictionOptions.budget} ({@code --budget TOKENS}), and {@code int8}, described for {@link KvCacheRegistry}
 * (all of them are built-ins).
 */
public final class PolicyStrategies {

    private static final Set<CacheOption> EVICTING = Set.of(CacheOption.BLOCK_SIZE, CacheOption.BUDGET,
            CacheOption.GRANULARITY);

    public static final StrategyDescription H2O = evicting("h2o",
            "heavy hitters by accumulated attention plus a recent window (H2O)", (s, o) -> new H2oPolicy(o.eviction()));
    public static final StrategyDescription TOVA = evicting("tova",
            "drops the tokens the current query attends least (TOVA)", (s, o) -> new TovaPolicy(o.eviction()));
    public static final StrategyDescription SNAPKV = evicting("snapkv",
            "compresses the prompt by an observation window's pooled attention (SnapKV)",
            (s, o) -> new SnapKvPolicy(o.eviction()));
    public static final StrategyDescription KNORM = evicting("knorm",
            "keeps the keys of lowest L2 norm (Devoto et al. 2024)", (s, o) -> new KeyNormPolicy(o.eviction()));
    public static final StrategyDescription MIX = new StrategyDescription("mix",
            "lower half of the layers whole, upper half sinks + recent window of --budget tokens",
            Set.of(CacheOption.BLOCK_SIZE, CacheOption.BUDGET, CacheOption.GRANULARITY, CacheOption.SINKS), List.of(),
            (s, o) -> new EvictingCache("mix", s, o, LayerMixPolicy.halfWindowed(s, o), KvStorage.MODEL));
    public static final StrategyDescription INT8 = new StrategyDescription("int8",
            "paged int8 K/V: keys per channel per block, values per token (KIVI-style), nothing evicted",
            Set.of(CacheOption.BLOCK_SIZE), List.of(),
            (s, o) -> new EvictingCache("int8", s, o, new KeepAllPolicy(), KvStorage.int8(o.blockSize())));

    /** The eviction policies, in the order they are documented. */
    public static final List<StrategyDescription> EVICTION = List.of(H2O, TOVA, SNAPKV, KNORM, MIX);

    /** The registered ones: the eviction policies and int8. */
    public static final List<StrategyDescription> REGISTERED = List.of(H2O, TOVA, SNAPKV, KNORM, MIX, INT8);

    /** Every one, registered or not. */
    public static final List<StrategyDescription> ALL = List.of(H2O, TOVA, SNAPKV, KNORM, MIX, INT8);

    private PolicyStrategies() {
    }

    public static List<String> names() {
        return ALL.stream().map(StrategyDescription::name).toList();
    }

    /**
     * Builds the named strategy.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static KvCache create(String name, CacheSpec spec, CacheOptions options) {
        return ALL.stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown policy strategy '" + name + "'; known: "
                        + String.join(", ", names())))
                .factory().create(spec, options);
    }

    private interface PolicyFactory {
        EvictionPolicy create(CacheSpec spec, CacheOptions options);
    }

    private static StrategyDescription evicting(String name, String summary, PolicyFactory policy) {
        return new StrategyDescription(name, summary, EVICTING, List.of(),
                (s, o) -> new EvictingCache(name, s, o, policy.create(s, o), KvStorage.MODEL));
    }
}
