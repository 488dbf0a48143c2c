package dev.kvlab.cache;

/**
 * Memory accounting of a cache at one moment, in tokens and bytes. Live tokens are K/V that attention can still
 * read; reserved tokens are slots taken out of the pool (live + waste).
 *
 * @param capacityTokens   slots in the pool
 * @param reservedTokens   slots owned by sequences (or by the prefix cache, while referenced)
 * @param liveTokens       slots holding a token some sequence reads
 * @param peakReservedTokens the most slots reserved at once since the cache was built or reset
 * @param blocksTotal      pool blocks (paged); 0 for strategies without blocks
 * @param blocksUsed       blocks referenced by at least one sequence (paged); 0 otherwise
 * @param bytesPerToken    bytes of K and V for one token over all layers
 */
public record MemoryStats(int capacityTokens, int reservedTokens, int liveTokens, int peakReservedTokens,
                          int blocksTotal, int blocksUsed, long bytesPerToken) {

    public long capacityBytes() {
        return capacityTokens * bytesPerToken;
    }

    public long reservedBytes() {
        return reservedTokens * bytesPerToken;
    }

    public long liveBytes() {
        return liveTokens * bytesPerToken;
    }

    public long peakReservedBytes() {
        return peakReservedTokens * bytesPerToken;
    }

    public int freeTokens() {
        return capacityTokens - reservedTokens;
    }

    /** Share of reserved memory that holds no live token, in percent (0 when nothing is reserved). */
    public double wastePercent() {
        return reservedTokens == 0 ? 0.0 : 100.0 * (reservedTokens - liveTokens) / reservedTokens;
    }
}
