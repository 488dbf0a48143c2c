package dev.kvlab.runtime.cli;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.EvictionOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.runtime.EngineConfig;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Cache strategy and batching limits: shared by generate and bench. Defaults are {@link EngineConfig#DEFAULTS} and
 * {@link CacheOptions#DEFAULTS}; which options a strategy reads is in its description ({@code check-strategy --list}).
 */
public final class CacheFlags {
    @Option(names = "--cache", paramLabel = "STRATEGY",
            completionCandidates = StrategyNames.class,
            description = "KV-cache strategy or strategy:variant: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; "
                    + "plugins from $KVLAB_PLUGINS; 'kvlab check-strategy --list' describes each).")
    public String cache = EngineConfig.DEFAULTS.strategy();

    /**
     * The selectable strategy names, for the {@code --cache} help; the built-ins alone when the plugins do not load
     * (using the flag then reports why).
     */
    public static final class StrategyNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            try {
                return KvCacheRegistry.selectableNames().iterator();
            } catch (IllegalArgumentException e) {
                return KvCacheRegistry.BUILT_IN.stream().flatMap(d -> d.selectableNames().stream()).iterator();
            }
        }
    }

    @Option(names = "--block-size", description = "Tokens per block (default: ${DEFAULT-VALUE}).")
    public int blockSize = CacheOptions.DEFAULTS.blockSize();

    @Option(names = "--window", description = "Tokens kept per sequence, sinks included (default: ${DEFAULT-VALUE}).")
    public int window = CacheOptions.DEFAULTS.window();

    @Option(names = "--sinks", description = "First positions a window always keeps (default: ${DEFAULT-VALUE}).")
    public int sinks = CacheOptions.DEFAULTS.sinks();

    @Option(names = "--reserve", description = "What a slab reserves: request (prompt + max new tokens) or max "
            + "(n_positions) (default: ${DEFAULT-VALUE}).")
    public String reserve = CacheOptions.DEFAULTS.reserve().name().toLowerCase(Locale.ROOT);

    @Option(names = "--prefix-sharing", description = "Share cached prompt prefixes: on or off (default: ${DEFAULT-VALUE}).")
    public String prefixSharing = CacheOptions.DEFAULTS.prefixSharing() ? "on" : "off";

    @Option(names = "--budget", paramLabel = "TOKENS", description = "Eviction policies (h2o, tova, snapkv, knorm, "
            + "mix): tokens a sequence holds per layer; 0 = never evict (default: ${DEFAULT-VALUE}).")
    public int budget;

    @Option(names = "--granularity", description = "Eviction policies: evict one token or whole blocks: token or block "
            + "(default: ${DEFAULT-VALUE}).")
    public String granularity = EvictionOptions.DEFAULTS.granularity().name().toLowerCase(Locale.ROOT);

    @Option(names = "--kv-budget-tokens",
            description = "KV pool capacity in tokens; 0 = max-seqs x n_positions (default: ${DEFAULT-VALUE}).")
    public int kvBudgetTokens = EngineConfig.DEFAULTS.kvBudgetTokens();

    @Option(names = "--kv-budget-bytes", description = "KV pool capacity in bytes (instead of tokens).")
    public long kvBudgetBytes;

    @Option(names = "--max-seqs", description = "Most requests running at once (default: ${DEFAULT-VALUE}).")
    public int maxSeqs = EngineConfig.DEFAULTS.maxSeqs();

    @Option(names = "--max-batched-tokens", description = "Most tokens in one step (default: ${DEFAULT-VALUE}).")
    public int maxBatchedTokens = EngineConfig.DEFAULTS.maxBatchedTokens();

    /** The engine settings; {@code bytesPerToken} converts {@code --kv-budget-bytes}. */
    public EngineConfig engineConfig(long bytesPerToken) {
        if (kvBudgetTokens > 0 && kvBudgetBytes > 0) {
            throw new IllegalArgumentException("give --kv-budget-tokens or --kv-budget-bytes, not both");
        }
        if (kvBudgetBytes < 0) {
            throw new IllegalArgumentException("--kv-budget-bytes must be >= 0, got " + kvBudgetBytes);
        }
        int budget = kvBudgetBytes > 0 ? (int) Math.min(Integer.MAX_VALUE, kvBudgetBytes / bytesPerToken) : kvBudgetTokens;
        if (kvBudgetBytes > 0 && budget == 0) {
            throw new IllegalArgumentException("--kv-budget-bytes " + kvBudgetBytes + " holds no token (one token is "
                    + bytesPerToken + " bytes)");
        }
        CacheOptions options = new CacheOptions(blockSize, onOff(prefixSharing), window, sinks, reserve(), eviction());
        KvCacheRegistry.Selection s = KvCacheRegistry.select(cache, options);
        return new EngineConfig(s.strategy(), s.options(), budget, maxSeqs, maxBatchedTokens);
    }

    private EvictionOptions eviction() {
        if (budget < 0) {
            throw new IllegalArgumentException("--budget must be >= 0 (0 = never evict), got " + budget);
        }
        EvictionOptions.Granularity g = switch (granularity.toLowerCase(Locale.ROOT)) {
            case "token" -> EvictionOptions.Granularity.TOKEN;
            case "block" -> EvictionOptions.Granularity.BLOCK;
            default -> throw new IllegalArgumentException("--granularity must be token or block, got '"
                    + granularity + "'");
        };
        return EvictionOptions.DEFAULTS.withBudget(budget == 0 ? EvictionOptions.UNBOUNDED : budget).withGranularity(g);
    }

    private CacheOptions.Reserve reserve() {
        return switch (reserve.toLowerCase(Locale.ROOT)) {
            case "request" -> CacheOptions.Reserve.REQUEST;
            case "max" -> CacheOptions.Reserve.MAX;
            default -> throw new IllegalArgumentException("--reserve must be request or max, got '" + reserve + "'");
        };
    }

    private static boolean onOff(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException("--prefix-sharing must be on or off, got '" + v + "'");
        };
    }
}
