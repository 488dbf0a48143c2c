package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.check.ModelChecks;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * 64 requests of random lengths served together by the engine, with each strategy, with a roomy KV budget and with
 * one small enough to throttle admission (contiguous and ring reserve up front) or force preemption (paged grows on
 * demand): every request's greedy ids equal its solo run. The solo run is the
 * cache-free oracle: one teacher-forced recompute of that request alone (with the window mask for a ring). The small
 * budget runs again with decode attention forced through the torch-ops path ({@link DecodePath#BATCHED}).
 */
class BatchInvarianceTest {
    static final CacheOptions OPTIONS = ModelChecks.BATCH_OPTIONS;

    static Stream<Arguments> cases() {
        return StrategyConformanceTest.exactStrategies().flatMap(s -> Stream.of(Arguments.of(s, 0, DecodePath.AUTO),
                Arguments.of(s, 160, DecodePath.AUTO), Arguments.of(s, 160, DecodePath.BATCHED)));
    }

    @ParameterizedTest(name = "{0} budget={1} decode={2}")
    @MethodSource("cases")
    void batchedEqualsSolo(String strategy, int budgetTokens, DecodePath path) {
        Gpt2Model model = Models.get("tiny", path);
        List<GenerationRequest> requests = requests(64, 11);
        EngineConfig config = new EngineConfig(strategy, OPTIONS, budgetTokens, 16, 96);
        List<RequestResult> results;
        EngineStats stats;
        try (Engine engine = new Engine(model, config)) {
            results = engine.runToCompletion(requests);
            stats = engine.stats();
            engine.cache().checkInvariants();
            assertEquals(0, engine.cache().memory().reservedTokens(), "every slot returned");
        }
        if (budgetTokens > 0 && "paged".equals(strategy)) {
            assertTrue(stats.preemptions() > 0, "paged grows on demand: the small budget must force preemption");
        }
        if (budgetTokens > 0 && !"none".equals(strategy)) {
            assertTrue(stats.peakRunning() < config.maxSeqs(), "the small budget must limit concurrency");
        }
        for (int i = 0; i < requests.size(); i++) {
            RequestResult r = results.get(i);
            assertEquals(requests.get(i).id(), r.id());
            assertEquals(dev.kvlab.scheduler.FinishReason.LENGTH, r.finishReason(), r.id() + ": " + r.detail());
            assertArrayEquals(solo(model, strategy, requests.get(i), r), r.generatedIds(), strategy + " " + r.id());
        }
    }

    /** What the request alone gives: the oracle chosen by the strategy's view ({@link ModelChecks#solo}). */
    private static int[] solo(Gpt2Model model, String strategy, GenerationRequest q, RequestResult r) {
        return ModelChecks.solo(model, KvCacheRegistry.describe(strategy), q, r);
    }

    /** Seeded requests: prompts of 1..48 tokens, 1..24 new tokens, EOS ignored so lengths are exact. */
    static List<GenerationRequest> requests(int n, long seed) {
        return ModelChecks.requests(n, seed);
    }
}
