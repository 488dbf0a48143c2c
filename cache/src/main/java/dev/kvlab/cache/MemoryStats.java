package dev.kvlab.cache;

/**
 * Memory accounting of a cache at one moment, in tokens and in real bytes. Live tokens are K/V that attention can
 * still read; reserved tokens are slots taken out of the pool (live + waste).
 *
 * <p>Strategies that hold the same tokens in every layer and store them in the model's dtype use the short
 * constructor: bytes = tokens × bytesPerToken. Strategies whose layers hold different tokens count slots per layer
 * and report tokens as the per-layer average rounded up; strategies with quantized storage count scales too. Their
 * byte fields are exact: what the pool stores for those slots; the token fields are then a summary.
 *
 * @param capacityTokens     slots in the pool (per layer)
 * @param reservedTokens     slots owned by sequences (or by the prefix cache, while referenced)
 * @param liveTokens         slots holding a token some sequence reads
 * @param peakReservedTokens the most slots reserved at once since the cache was built or reset
 * @param blocksTotal        pool blocks (paged; summed over layers for per-layer pools); 0 without blocks
 * @param blocksUsed         blocks referenced by at least one sequence; 0 without blocks
 * @param bytesPerToken      bytes of K and V for one token over all layers, as stored (scales included)
 * @param capacityBytes      bytes of the whole pool
 * @param reservedBytes      bytes of the reserved slots (and their scales)
 * @param liveBytes          bytes of the live slots (and the scales attention reads with them)
 * @param peakReservedBytes  the most bytes reserved at once since the cache was built or reset
 */
public record MemoryStats(int capacityTokens, int reservedTokens, int liveTokens, int peakReservedTokens,
                          int blocksTotal, int blocksUsed, long bytesPerToken, long capacityBytes, long reservedBytes,
                          long liveBytes, long peakReservedBytes) {

    /** Accounting of a strategy whose every token costs {@code bytesPerToken} in all layers. */
    public MemoryStats(int capacityTokens, int reservedTokens, int liveTokens, int peakReservedTokens,
                       int blocksTotal, int blocksUsed, long bytesPerToken) {
        this(capacityTokens, reservedTokens, liveTokens, peakReservedTokens, blocksTotal, blocksUsed, bytesPerToken,
                capacityTokens * bytesPerToken, reservedTokens * bytesPerToken, liveTokens * bytesPerToken,
                peakReservedTokens * bytesPerToken);
    }

    public int freeTokens() {
        return capacityTokens - reservedTokens;
    }

    /** Share of reserved memory that holds no live token, in percent (0 when nothing is reserved). */
    public double wastePercent() {
        return reservedBytes == 0 ? 0.0 : 100.0 * (reservedBytes - liveBytes) / reservedBytes;
    }
}
