package dev.kvlab.runtime;

import dev.kvlab.cache.MemoryStats;

/**
 * KV memory over a run, sampled once per step while the step's allocations are in place.
 * Waste is memory-time: the share of reserved slot-steps that held no live token (vLLM's 60-80% vs under 4%).
 *
 * @param capacityTokens    pool size
 * @param peakReservedTokens most slots reserved at once
 * @param peakLiveTokens    most live tokens at once
 * @param sumReservedTokens reserved slots summed over steps
 * @param sumLiveTokens     live tokens summed over steps
 * @param steps             samples taken
 * @param blocksTotal       paged: pool blocks (0 otherwise)
 * @param peakBlocksUsed    paged: most blocks used at once
 * @param bytesPerToken     K and V bytes of one token over all layers
 */
public record KvUsage(int capacityTokens, int peakReservedTokens, int peakLiveTokens, long sumReservedTokens,
                      long sumLiveTokens, long steps, int blocksTotal, int peakBlocksUsed, long bytesPerToken) {

    /** Nothing observed yet. */
    public static KvUsage empty(MemoryStats now) {
        return new KvUsage(now.capacityTokens(), 0, 0, 0, 0, 0, now.blocksTotal(), 0, now.bytesPerToken());
    }

    /** This usage with one more step observed. */
    public KvUsage observe(MemoryStats m) {
        return new KvUsage(capacityTokens, Math.max(peakReservedTokens, m.reservedTokens()),
                Math.max(peakLiveTokens, m.liveTokens()), sumReservedTokens + m.reservedTokens(),
                sumLiveTokens + m.liveTokens(), steps + 1, blocksTotal, Math.max(peakBlocksUsed, m.blocksUsed()),
                bytesPerToken);
    }

    public long capacityBytes() {
        return capacityTokens * bytesPerToken;
    }

    public long peakReservedBytes() {
        return peakReservedTokens * bytesPerToken;
    }

    public long peakLiveBytes() {
        return peakLiveTokens * bytesPerToken;
    }

    /** Share of reserved slot-steps holding no live token, percent; 0 when nothing was reserved. */
    public double wastePercent() {
        return sumReservedTokens == 0 ? 0.0 : 100.0 * (sumReservedTokens - sumLiveTokens) / sumReservedTokens;
    }
}
