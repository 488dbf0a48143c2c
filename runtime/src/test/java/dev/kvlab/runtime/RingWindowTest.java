package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.check.StrategyDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ring buffer at its edges, on the tiny model, against a full recompute with the sliding-window-with-sinks mask:
 * sequences ending at window-1, window and window+1, several laps of wraparound, prompts longer than the window
 * (in one chunk and in chunks), no sinks, and a window of one token. While a sequence fits its window the ring also
 * equals full attention.
 */
class RingWindowTest {
    static final double TOLERANCE = 1e-5;

    @ParameterizedTest(name = "window={0} sinks={1} prompt={2} new={3} chunk={4}")
    @CsvSource({
        "16, 4, 14, 1, 64",    // ends at window - 1
        "16, 4, 15, 1, 64",    // ends exactly at window
        "16, 4, 16, 1, 64",    // ends at window + 1: first eviction
        "16, 4, 10, 70, 64",   // decode wraps the ring about five times
        "16, 4, 40, 20, 64",   // prompt longer than the window, one chunk
        "16, 4, 40, 20, 7",    // prompt longer than the window, chunks smaller than the window
        "16, 0, 30, 30, 64",   // no sinks: a plain sliding window
        "1, 0, 5, 10, 64",     // window of one token: each token sees only itself
        "8, 7, 20, 20, 3"})    // one recent slot behind seven sinks
    void ringEqualsWindowReference(int window, int sinks, int promptLength, int newTokens, int chunk) {
        Gpt2Model model = Models.get("tiny");
        CacheOptions options = CacheOptions.DEFAULTS.withWindow(window, sinks);
        int[] prompt = StrategyConformanceTest.prompt(promptLength, 31L * promptLength + window);
        StrategyDriver.Run run = StrategyDriver.greedy(model, "ring", options, prompt, newTokens, chunk);
        float[][] ref = Oracle.window(model, run.sequence(), sinks, window);
        assertMatches(run, ref, model.config().eosTokenId());
    }

    /** The edges again with decode rows through the torch-ops path (the CUDA one) and the old per-chunk path. */
    @ParameterizedTest(name = "{0} window={1} sinks={2} prompt={3} new={4}")
    @CsvSource({"BATCHED, 16, 4, 14, 1", "BATCHED, 16, 4, 15, 1", "BATCHED, 16, 4, 16, 1", "BATCHED, 16, 4, 10, 70",
        "BATCHED, 8, 7, 20, 20", "PER_CHUNK, 16, 4, 10, 70"})
    void ringEqualsWindowReferenceThroughEveryDecodePath(DecodePath path, int window, int sinks, int promptLength,
                                                        int newTokens) {
        Gpt2Model model = Models.get("tiny", path);
        CacheOptions options = CacheOptions.DEFAULTS.withWindow(window, sinks);
        int[] prompt = StrategyConformanceTest.prompt(promptLength, 31L * promptLength + window);
        StrategyDriver.Run run = StrategyDriver.greedy(model, "ring", options, prompt, newTokens, 64);
        assertMatches(run, Oracle.window(model, run.sequence(), sinks, window), model.config().eosTokenId());
    }

    @Test
    void ringEqualsFullAttentionWhileTheSequenceFits() {
        Gpt2Model model = Models.get("tiny");
        CacheOptions options = CacheOptions.DEFAULTS.withWindow(32, 4);
        int[] prompt = StrategyConformanceTest.prompt(12, 5);
        StrategyDriver.Run run = StrategyDriver.greedy(model, "ring", options, prompt, 20, 64);   // 32 tokens in all
        assertMatches(run, Oracle.causal(model, run.sequence()), model.config().eosTokenId());
    }

    private static void assertMatches(StrategyDriver.Run run, float[][] ref, int eos) {
        int n = run.generated().length;
        int[] expected = new int[n];
        double worst = 0;
        for (int i = 0; i < n; i++) {
            int p = run.prompt().length - 1 + i;
            expected[i] = StrategyDriver.argmax(ref[p], eos);
            worst = Math.max(worst, Oracle.maxAbsDiff(run.logits().get(i), ref[p]));
        }
        assertArrayEquals(expected, run.generated());
        double w = worst;
        assertTrue(worst <= TOLERANCE, () -> "logits differ by " + w);
    }
}
