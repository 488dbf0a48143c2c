package dev.kvlab.runtime;

import dev.kvlab.cache.MemoryStats;

/**
 * KV memory over a run, sampled once per step while the step's allocations are in place.
 * Waste is memory-time: the share of reserved bytes-steps that held no live token (vLLM's 60-80% vs under 4%).
 * Bytes come from the cache's exact byte accounting ({@link MemoryStats}): for strategies whose layers hold
 * different tokens, or that store int8 with scales, they are not tokens × bytesPerToken.
 *
 * @param capacityTokens     pool size
 * @param peakReservedTokens most slots reserved at once
 * @param peakLiveTokens     most live tokens at once
 * @param sumReservedTokens  reserved slots summed over steps
 * @param sumLiveTokens      live tokens summed over steps
 * @param steps              samples taken
 * @param blocksTotal        paged: pool blocks (0 otherwise)
 * @param peakBlocksUsed     paged: most blocks used at once
 * @param bytesPerToken      K and V bytes of one token over all layers, as stored
 * @param capacityBytes      bytes of the pool
 * @param peakReservedBytes  most bytes reserved at once
 * @param peakLiveBytes      most live bytes at once
 * @param sumReservedBytes   reserved bytes summed over steps
 * @param sumLiveBytes       live bytes summed over steps
 */
public record KvUsage(int capacityTokens, int peakReservedTokens, int peakLiveTokens, long sumReservedTokens,
                      long sumLiveTokens, long steps, int blocksTotal, int peakBlocksUsed, long bytesPerToken,
                      long capacityBytes, long peakReservedBytes, long peakLiveBytes, long sumReservedBytes,
                      long sumLiveBytes) {

    /** Nothing observed yet. */
    public static KvUsage empty(MemoryStats now) {
        return new KvUsage(now.capacityTokens(), 0, 0, 0, 0, 0, now.blocksTotal(), 0, now.bytesPerToken(),
                now.capacityBytes(), 0, 0, 0, 0);
    }

    /** This usage with one more step observed. */
    public KvUsage observe(MemoryStats m) {
        return new KvUsage(capacityTokens, Math.max(peakReservedTokens, m.reservedTokens()),
                Math.max(peakLiveTokens, m.liveTokens()), sumReservedTokens + m.reservedTokens(),
                sumLiveTokens + m.liveTokens(), steps + 1, blocksTotal, Math.max(peakBlocksUsed, m.blocksUsed()),
                bytesPerToken, capacityBytes, Math.max(peakReservedBytes, m.reservedBytes()),
                Math.max(peakLiveBytes, m.liveBytes()), sumReservedBytes + m.reservedBytes(),
                sumLiveBytes + m.liveBytes());
    }

    /** Reserved bytes averaged over steps (0 before the first). */
    public double meanReservedBytes() {
        return steps == 0 ? 0.0 : (double) sumReservedBytes / steps;
    }

    /** Live bytes averaged over steps (0 before the first). */
    public double meanLiveBytes() {
        return steps == 0 ? 0.0 : (double) sumLiveBytes / steps;
    }

    /** Share of reserved byte-steps holding no live token, percent; 0 when nothing was reserved. */
    public double wastePercent() {
        return sumReservedBytes == 0 ? 0.0 : 100.0 * (sumReservedBytes - sumLiveBytes) / sumReservedBytes;
    }
}
