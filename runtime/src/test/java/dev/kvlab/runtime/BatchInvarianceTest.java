package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.Gpt2Model;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4).withWindow(24, 2);

    static Stream<Arguments> cases() {
        return KvCacheRegistry.names().stream().flatMap(s -> Stream.of(Arguments.of(s, 0, DecodePath.AUTO),
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

    /** What the request alone gives: argmax of the oracle's logits along the generated sequence. */
    private static int[] solo(Gpt2Model model, String strategy, GenerationRequest q, RequestResult r) {
        int[] seq = new int[q.promptIds().length + r.generatedIds().length];
        System.arraycopy(q.promptIds(), 0, seq, 0, q.promptIds().length);
        System.arraycopy(r.generatedIds(), 0, seq, q.promptIds().length, r.generatedIds().length);
        float[][] ref = "ring".equals(strategy) ? Oracle.window(model, seq, OPTIONS.sinks(), OPTIONS.window())
                : Oracle.causal(model, seq);
        int[] ids = new int[r.generatedIds().length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = StrategyDriver.argmax(ref[q.promptIds().length - 1 + i], model.config().eosTokenId());
        }
        return ids;
    }

    /** Seeded requests: prompts of 1..48 tokens, 1..24 new tokens, EOS ignored so lengths are exact. */
    static List<GenerationRequest> requests(int n, long seed) {
        Random random = new Random(seed);
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = StrategyConformanceTest.prompt(1 + random.nextInt(48), random.nextLong());
            out.add(GenerationRequest.greedy("r" + i, prompt, 1 + random.nextInt(24), true));
        }
        return out;
    }
}
