package dev.kvlab.bench;

/** One window of the ring-quality experiment ({@link RingQuality.Score}) as result columns. */
public record RingQualityRow(String experiment, int window, int sinks, int length, int scoredPositions,
                             double greedyAgreement, double klFullRingNats, double nllFullNats, double nllRingNats,
                             double nllGapNats, BenchEnv env) {
}
