package dev.kvlab.bench;

import java.util.List;

/**
 * How much a ring window changes the model's next-token distributions (teacher forcing, one pass per window).
 *
 * @param model   model (default: the plan's)
 * @param length  sequence length (default 1024, the whole context)
 * @param windows windows to score (default 32, 64, 128, 256, 512)
 * @param sinks   sink positions (default 4)
 * @param seed    seed of the sequence's token ids
 */
public record RingQualitySpec(String model, int length, List<Integer> windows, int sinks, long seed) {
    public RingQualitySpec {
        length = length == 0 ? 1024 : length;
        windows = windows == null || windows.isEmpty() ? List.of(32, 64, 128, 256, 512) : List.copyOf(windows);
        sinks = sinks == 0 ? 4 : sinks;
        for (int w : windows) {
            if (w <= sinks || w >= length) {
                throw new IllegalArgumentException("ring quality: every window must be in (sinks, length), got " + w);
            }
        }
    }
}
