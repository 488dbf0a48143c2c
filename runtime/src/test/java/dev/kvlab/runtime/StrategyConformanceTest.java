package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.Gpt2Model;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered strategy, with no per-strategy test code: greedy generation through the strategy equals the
 * cache-free oracle (teacher-forced full recompute; with the sliding-window-with-sinks mask for a ring view) in
 * ids and in logits within 1e-5, for prompts of 1, 16 and 500 tokens and 200 new tokens. Prefill runs in chunks of
 * 128, so the 500-token prompt also exercises chunked prefill. A new strategy joins by its registry line alone.
 * Decode rows take the default path (the CPU decode kernel) and, on the tiny model, each forced {@link DecodePath}.
 */
class StrategyConformanceTest {
    static final double LOGITS_TOLERANCE = 1e-5;
    static final int NEW_TOKENS = 200;
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(16).withWindow(64, 4);

    static Stream<Arguments> cases() {
        return KvCacheRegistry.names().stream()
                .flatMap(s -> Stream.of(1, 16, 500).map(n -> Arguments.of(s, n)));
    }

    @ParameterizedTest(name = "tiny {0} prompt={1}")
    @MethodSource("cases")
    void tinyModelMatchesOracle(String strategy, int promptLength) {
        check(Models.get("tiny"), strategy, promptLength, NEW_TOKENS);
    }

    /** The default path is the CPU kernel; the torch-ops path (CUDA's) and the old per-chunk path, forced. */
    static Stream<Arguments> forcedPaths() {
        return Stream.of(DecodePath.BATCHED, DecodePath.PER_CHUNK).flatMap(p -> KvCacheRegistry.names().stream()
                .flatMap(s -> Stream.of(16, 500).map(n -> Arguments.of(p, s, n))));
    }

    @ParameterizedTest(name = "tiny {0} {1} prompt={2}")
    @MethodSource("forcedPaths")
    void tinyModelMatchesOracleThroughEveryDecodePath(DecodePath path, String strategy, int promptLength) {
        Gpt2Model model = Models.get("tiny", path);
        assertEquals(path, model.decodePath());
        check(model, strategy, promptLength, NEW_TOKENS);
    }

    @Test
    void theDefaultDecodePathOnTheCpuIsTheKernel() {
        assertEquals(DecodePath.KERNEL, Models.get("tiny").decodePath());
    }

    /**
     * gpt2-small shapes. {@code none} recomputes the whole sequence every step (about 10 minutes for 200 steps
     * of a 700-token sequence on 2 cores), so it generates 8 tokens here; it is the oracle's own path anyway.
     */
    @Tag("slow")
    @ParameterizedTest(name = "gpt2 {0} prompt={1}")
    @MethodSource("cases")
    void gpt2SmallMatchesOracle(String strategy, int promptLength) {
        check(Models.get("gpt2"), strategy, promptLength, "none".equals(strategy) ? 8 : NEW_TOKENS);
    }

    static void check(Gpt2Model model, String strategy, int promptLength, int newTokens) {
        int[] prompt = prompt(promptLength, 7L * promptLength + 1);
        StrategyDriver.Run run = StrategyDriver.greedy(model, strategy, OPTIONS, prompt, newTokens, 128);
        float[][] ref = reference(model, run);
        int eos = model.config().eosTokenId();
        int[] expected = new int[newTokens];
        double worst = 0;
        for (int i = 0; i < newTokens; i++) {
            int p = promptLength - 1 + i;
            worst = Math.max(worst, Oracle.maxAbsDiff(run.logits().get(i), ref[p]));
            expected[i] = StrategyDriver.argmax(ref[p], eos);
        }
        assertArrayEquals(expected, run.generated(), strategy + ": greedy ids differ from the oracle");
        double w = worst;
        assertTrue(worst <= LOGITS_TOLERANCE, () -> strategy + ": logits differ from the oracle by " + w);
    }

    /** The oracle a strategy must equal: causal recompute, or the window reference when it reads a ring view. */
    static float[][] reference(Gpt2Model model, StrategyDriver.Run run) {
        if (run.grants().get(0).view() instanceof AttentionView.Ring r) {
            return Oracle.window(model, run.sequence(), r.sinks(), r.window());
        }
        return Oracle.causal(model, run.sequence());
    }

    /** Seeded prompt of ordinary token ids (never EOS). */
    static int[] prompt(int length, long seed) {
        Random r = new Random(seed);
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = r.nextInt(50256);
        }
        return p;
    }
}
