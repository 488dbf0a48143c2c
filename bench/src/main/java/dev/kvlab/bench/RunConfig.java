package dev.kvlab.bench;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.runtime.EngineConfig;
import java.util.Locale;

/**
 * One point of a sweep: how the engine caches and batches, and how requests arrive.
 *
 * @param strategy         a registered strategy, optionally with a variant: {@code contiguous} (reserve prompt + max
 *                         new tokens), {@code contiguous:max} (reserve n_positions), {@code paged} (prefix sharing
 *                         on), {@code paged:noprefix}, {@code ring}, {@code none}
 * @param batching         {@code continuous} (the engine as is) or {@code static} (padded groups, see
 *                         {@link StaticBatching})
 * @param batchLimit       most requests running at once ({@code --max-seqs})
 * @param kvBudgetTokens   KV pool capacity in tokens; 0 = batchLimit x n_positions
 * @param blockSize        paged: tokens per block
 * @param window           ring: tokens held per sequence
 * @param sinks            ring: positions always kept
 * @param maxBatchedTokens token budget of one step
 * @param arrivals         all at once or Poisson
 */
public record RunConfig(String strategy, String batching, int batchLimit, int kvBudgetTokens, int blockSize,
                        int window, int sinks, int maxBatchedTokens, Arrivals arrivals) {
    public static final String CONTINUOUS = "continuous";
    public static final String STATIC = "static";

    public RunConfig {
        batching = batching.toLowerCase(Locale.ROOT);
        if (!batching.equals(CONTINUOUS) && !batching.equals(STATIC)) {
            throw new IllegalArgumentException("--batching must be continuous or static, got '" + batching + "'");
        }
        engineConfig(strategy, blockSize, window, sinks, kvBudgetTokens, batchLimit, maxBatchedTokens);
    }

    /** The registry name: the strategy without its variant. */
    public String baseStrategy() {
        int colon = strategy.indexOf(':');
        return colon < 0 ? strategy : strategy.substring(0, colon);
    }

    /** The engine settings this point runs with. */
    public EngineConfig engineConfig() {
        return engineConfig(strategy, blockSize, window, sinks, kvBudgetTokens, batchLimit, maxBatchedTokens);
    }

    /** A label naming what varies, e.g. {@code paged bs=16 seqs=8}. */
    public String label() {
        StringBuilder b = new StringBuilder(batching.equals(STATIC) ? "static " : "").append(strategy);
        switch (baseStrategy()) {
            case "paged" -> b.append(" bs=").append(blockSize);
            case "ring" -> b.append(" w=").append(window);
            default -> { }
        }
        b.append(" seqs=").append(batchLimit);
        if (kvBudgetTokens > 0) {
            b.append(" kv=").append(kvBudgetTokens);
        }
        if (!arrivals.allAtOnce()) {
            b.append(" rate=").append(arrivals.label());
        }
        return b.toString();
    }

    private static EngineConfig engineConfig(String strategy, int blockSize, int window, int sinks, int budget,
                                             int seqs, int batched) {
        String[] parts = strategy.split(":", 2);
        String base = parts[0];
        if (!KvCacheRegistry.names().contains(base)) {
            throw new IllegalArgumentException("unknown cache strategy '" + base + "'; known: "
                    + String.join(", ", KvCacheRegistry.names()));
        }
        CacheOptions o = new CacheOptions(blockSize, true, window, sinks, CacheOptions.Reserve.REQUEST);
        if (parts.length == 2) {
            o = switch (base + ":" + parts[1]) {
                case "contiguous:max" -> o.withReserve(CacheOptions.Reserve.MAX);
                case "contiguous:request" -> o;
                case "paged:noprefix" -> o.withPrefixSharing(false);
                default -> throw new IllegalArgumentException("unknown strategy variant '" + strategy
                        + "'; known: contiguous:max, contiguous:request, paged:noprefix");
            };
        }
        return new EngineConfig(base, o, budget, seqs, batched);
    }
}
