package dev.kvlab.bench;

import dev.kvlab.runtime.EngineStats;
import dev.kvlab.runtime.KvUsage;

/** The engine's counters of one run as result columns. Byte columns are bytes; MiB only in summaries. */
public record EngineColumns(long steps, int maxConcurrentSeqs, long preemptions, double prefixCacheHitRate,
                            long kvBytesPerToken, long kvCapacityBytes, double kvMeanReservedBytes,
                            double kvMeanLiveBytes, long kvPeakReservedBytes, long kvPeakLiveBytes, double kvWastePct,
                            int kvPeakBlocksUsed) {

    static EngineColumns of(EngineStats s) {
        KvUsage kv = s.kv();
        return new EngineColumns(s.steps(), s.peakRunning(), s.preemptions(), s.prefixHitRate(), kv.bytesPerToken(),
                kv.capacityBytes(), kv.meanReservedBytes(), kv.meanLiveBytes(), kv.peakReservedBytes(),
                kv.peakLiveBytes(), kv.wastePercent(), kv.peakBlocksUsed());
    }
}
