package dev.kvlab.runtime.cli;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.runtime.EngineConfig;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Cache strategy and batching limits: shared by generate and bench. */
public final class CacheFlags {
    @Option(names = "--cache", defaultValue = "contiguous", paramLabel = "STRATEGY",
            description = "KV-cache strategy: none, contiguous, paged, ring (default: ${DEFAULT-VALUE}).")
    public String cache;

    @Option(names = "--block-size", defaultValue = "16", description = "paged: tokens per block.")
    public int blockSize;

    @Option(names = "--window", defaultValue = "256", description = "ring: tokens kept per sequence, sinks included.")
    public int window;

    @Option(names = "--sinks", defaultValue = "4", description = "ring: first positions always kept.")
    public int sinks;

    @Option(names = "--reserve", defaultValue = "request",
            description = "contiguous: request (prompt + max new tokens) or max (n_positions).")
    public String reserve;

    @Option(names = "--prefix-sharing", defaultValue = "on", description = "paged: on or off.")
    public String prefixSharing;

    @Option(names = "--kv-budget-tokens", defaultValue = "0",
            description = "KV pool capacity in tokens; 0 = max-seqs x n_positions.")
    public int kvBudgetTokens;

    @Option(names = "--kv-budget-bytes", defaultValue = "0", description = "KV pool capacity in bytes (instead of tokens).")
    public long kvBudgetBytes;

    @Option(names = "--max-seqs", defaultValue = "16", description = "Most requests running at once.")
    public int maxSeqs;

    @Option(names = "--max-batched-tokens", defaultValue = "2048", description = "Most tokens in one step.")
    public int maxBatchedTokens;

    /** The engine settings; {@code bytesPerToken} converts {@code --kv-budget-bytes}. */
    public EngineConfig engineConfig(long bytesPerToken) {
        if (!KvCacheRegistry.names().contains(cache)) {
            throw new IllegalArgumentException("unknown cache strategy '" + cache + "'; known: "
                    + String.join(", ", KvCacheRegistry.names()));
        }
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
        CacheOptions options = new CacheOptions(blockSize, onOff(prefixSharing), window, sinks, reserve());
        return new EngineConfig(cache, options, budget, maxSeqs, maxBatchedTokens);
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
