package dev.kvlab.bench;

import dev.kvlab.cache.CacheOption;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.StrategyDescription;
import dev.kvlab.runtime.EngineConfig;
import java.util.Locale;

/**
 * One point of a sweep: how the engine caches and batches, and how requests arrive.
 *
 * @param batching {@code continuous} (the engine as is) or {@code static} (padded groups, see {@link StaticBatching})
 * @param engine   the engine settings (strategy, its options, KV budget, batch limit = {@code maxSeqs}, step budget)
 * @param arrivals all at once or Poisson
 */
public record RunConfig(String batching, EngineConfig engine, Arrivals arrivals) {
    public static final String CONTINUOUS = "continuous";
    public static final String STATIC = "static";

    public RunConfig {
        batching = batching.toLowerCase(Locale.ROOT);
        if (!batching.equals(CONTINUOUS) && !batching.equals(STATIC)) {
            throw new IllegalArgumentException("--batching must be continuous or static, got '" + batching + "'");
        }
        KvCacheRegistry.describe(engine.strategy());
    }

    /**
     * Continuous batching, all at once, of {@code strategy} ({@code name} or {@code name:variant}) with the rest of
     * {@code base}.
     */
    public static RunConfig of(String strategy, EngineConfig base) {
        KvCacheRegistry.Selection s = KvCacheRegistry.select(strategy, base.cacheOptions());
        return new RunConfig(CONTINUOUS, base.withStrategy(s.strategy()).withCacheOptions(s.options()),
                Arrivals.ALL_AT_ONCE);
    }

    public RunConfig withBatching(String b) {
        return new RunConfig(b, engine, arrivals);
    }

    public RunConfig withArrivals(Arrivals a) {
        return new RunConfig(batching, engine, a);
    }

    /** The strategy's description. */
    public StrategyDescription description() {
        return KvCacheRegistry.describe(engine.strategy());
    }

    /** The strategy with the variant its options select ({@code contiguous:max}, {@code paged:noprefix}). */
    public String strategy() {
        return description().nameWithVariant(engine.cacheOptions());
    }

    /** Most requests running at once. */
    public int batchLimit() {
        return engine.maxSeqs();
    }

    /**
     * A label naming what varies, e.g. {@code paged bs=16 seqs=8}: the options the strategy reads that have a label
     * key, the batch limit, the KV budget when set, the rate when not all at once.
     */
    public String label() {
        StringBuilder b = new StringBuilder(batching.equals(STATIC) ? "static " : "").append(strategy());
        StrategyDescription d = description();
        for (CacheOption o : CacheOption.values()) {
            if (o.labelKey() != null && d.readsOption(o)) {
                b.append(' ').append(o.labelKey()).append('=').append(o.valueIn(engine.cacheOptions()));
            }
        }
        b.append(" seqs=").append(batchLimit());
        if (engine.kvBudgetTokens() > 0) {
            b.append(" kv=").append(engine.kvBudgetTokens());
        }
        if (!arrivals.allAtOnce()) {
            b.append(" rate=").append(arrivals.label());
        }
        return b.toString();
    }
}
