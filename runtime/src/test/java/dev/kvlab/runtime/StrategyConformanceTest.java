package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.PolicyStrategies;
import dev.kvlab.cache.StrategyDescription;
import java.util.List;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.check.ModelChecks;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered strategy, with no per-strategy test code: greedy generation through the strategy equals the
 * cache-free oracle (teacher-forced full recompute; with the sliding-window-with-sinks mask for a ring view) in
 * ids and in logits within 1e-5 relative, for prompts of 1, 16 and 500 tokens and 200 new tokens. Prefill runs in chunks of
 * 128, so the 500-token prompt also exercises chunked prefill. A new strategy joins by its registry line alone.
 * Decode rows take the default path (the CPU decode kernel) and, on the tiny model, each forced {@link DecodePath}.
 */
class StrategyConformanceTest {
    static final int NEW_TOKENS = ModelChecks.NEW_TOKENS;
    static final CacheOptions OPTIONS = ModelChecks.OPTIONS;

    static Stream<Arguments> cases() {
        return exactStrategies().flatMap(s -> Stream.of(1, 16, 500).map(n -> Arguments.of(s, n)));
    }

    /**
     * The registered strategies that store K/V in the model's dtype, so that they must equal the oracle exactly;
     * int8 storage has its own error bound ({@link Int8KvTest}).
     */
    static Stream<String> exactStrategies() {
        return KvCacheRegistry.descriptions().stream().filter(d -> !ModelChecks.quantized(d))
                .map(StrategyDescription::name);
    }

    /**
     * The strategies for the gpt2-small runs: every registered one, but of the eviction policies only the first.
     * With a budget that never binds they all answer the same Held views and ask for nothing, so they run the same
     * code; the tiny model runs each of them, and {@link EvictionModelTest} runs them with budgets that bind.
     */
    static Stream<String> slowStrategies() {
        List<String> policies = PolicyStrategies.EVICTION.stream().map(StrategyDescription::name).toList();
        return exactStrategies().filter(s -> !policies.contains(s) || s.equals(policies.get(0)));
    }

    static Stream<Arguments> slowCases() {
        return slowStrategies().flatMap(s -> Stream.of(1, 16, 500).map(n -> Arguments.of(s, n)));
    }

    @ParameterizedTest(name = "tiny {0} prompt={1}")
    @MethodSource("cases")
    void tinyModelMatchesOracle(String strategy, int promptLength) {
        check(Models.get("tiny"), strategy, promptLength, NEW_TOKENS);
    }

    /** The default path is the CPU kernel; the torch-ops path (CUDA's) and the old per-chunk path, forced. */
    static Stream<Arguments> forcedPaths() {
        return Stream.of(DecodePath.BATCHED, DecodePath.PER_CHUNK).flatMap(p -> exactStrategies()
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
    @MethodSource("slowCases")
    void gpt2SmallMatchesOracle(String strategy, int promptLength) {
        check(Models.get("gpt2"), strategy, promptLength, "none".equals(strategy) ? 8 : NEW_TOKENS);
    }

    /** The same check kvlab check-strategy runs ({@link ModelChecks#matchesOracle}). */
    static void check(Gpt2Model model, String strategy, int promptLength, int newTokens) {
        ModelChecks.matchesOracle(model, KvCacheRegistry.describe(strategy), OPTIONS, promptLength, newTokens);
    }

    /** Seeded prompt of ordinary token ids (never EOS). */
    static int[] prompt(int length, long seed) {
        return ModelChecks.prompt(length, seed);
    }
}
