package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.scheduler.FinishReason;
import dev.kvlab.runtime.check.StrategyDriver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tokens stream to each request's listener as they are sampled: in order, the same tokens the oracle
 * (teacher-forced recompute of the request alone) picks, through preemption, then one {@code onFinish} with the
 * result the step returns. Cancelling mid-way ends a request with the tokens it streamed.
 */
class EngineStreamingTest {

    /** What one listener saw, and in which engine step. */
    static final class Recorder implements TokenListener {
        final List<Integer> tokens = new ArrayList<>();
        final List<Integer> steps = new ArrayList<>();
        final List<RequestResult> finished = new ArrayList<>();
        int step;

        @Override
        public void onToken(int tokenId, TokenLogprobs logprobs) {
            assertEquals(null, logprobs, "no log-probabilities unless asked");
            assertTrue(finished.isEmpty(), "no token after onFinish");
            tokens.add(tokenId);
            steps.add(step);
        }

        @Override
        public void onFinish(RequestResult result) {
            finished.add(result);
        }

        int[] ids() {
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    @Test
    void tokensStreamInOrderAndEqualTheOracleThroughPreemption() {
        Gpt2Model model = Models.get("tiny");
        List<GenerationRequest> requests = BatchInvarianceTest.requests(12, 5);
        Map<String, Recorder> seen = new HashMap<>();
        List<RequestResult> done = new ArrayList<>();
        EngineConfig config = new EngineConfig("paged", CacheOptions.DEFAULTS.withBlockSize(4), 96, 8, 64);
        EngineStats stats;
        try (Engine engine = new Engine(model, config)) {
            for (GenerationRequest r : requests) {
                Recorder rec = new Recorder();
                seen.put(r.id(), rec);
                engine.submit(r, rec);
            }
            for (int step = 0; done.size() < requests.size(); step++) {
                for (Recorder rec : seen.values()) {
                    rec.step = step;
                }
                done.addAll(engine.step());
            }
            stats = engine.stats();
        }
        assertTrue(stats.preemptions() > 0, "the small budget must preempt, so streaming survives preemption");
        for (RequestResult r : done) {
            Recorder rec = seen.get(r.id());
            assertEquals(1, rec.finished.size(), r.id());
            assertSame(r, rec.finished.get(0), "onFinish gets the result the step returns");
            assertArrayEquals(r.generatedIds(), rec.ids(), r.id() + ": streamed = returned");
            assertArrayEquals(oracle(model, r), rec.ids(), r.id() + ": streamed = oracle");
            if (rec.tokens.size() > 1) {
                assertTrue(rec.steps.get(0) < rec.steps.get(rec.steps.size() - 1), r.id() + ": tokens came as made");
            }
        }
    }

    @Test
    void cancellingMidwayEndsTheRequestWithWhatItStreamed() {
        Gpt2Model model = Models.get("tiny");
        Recorder rec = new Recorder();
        try (Engine engine = new Engine(model, EngineConfig.DEFAULTS)) {
            engine.submit(GenerationRequest.greedy("c", StrategyConformanceTest.prompt(6, 3), 50, true), rec);
            while (rec.tokens.size() < 3) {
                assertTrue(engine.step().isEmpty());
            }
            assertTrue(engine.cancel("c"));
            List<RequestResult> out = engine.step();
            assertEquals(1, out.size());
            assertEquals(FinishReason.CANCELLED, out.get(0).finishReason());
            assertArrayEquals(rec.ids(), out.get(0).generatedIds());
            assertEquals(1, rec.finished.size());
            assertFalse(engine.cancel("c"), "a finished request cannot be cancelled again");
            assertFalse(engine.hasWork());
        }
    }

    @Test
    void aSecondLiveRequestWithTheSameIdIsRefused() {
        try (Engine engine = new Engine(Models.get("tiny"), EngineConfig.DEFAULTS)) {
            engine.submit(GenerationRequest.greedy("x", new int[] {1, 2}, 4, true));
            assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(GenerationRequest.greedy("x", new int[] {3}, 4, true)));
        }
    }

    private static int[] oracle(Gpt2Model model, RequestResult r) {
        int[] seq = new int[r.promptIds().length + r.generatedIds().length];
        System.arraycopy(r.promptIds(), 0, seq, 0, r.promptIds().length);
        System.arraycopy(r.generatedIds(), 0, seq, r.promptIds().length, r.generatedIds().length);
        float[][] ref = Oracle.causal(model, seq);
        int[] ids = new int[r.generatedIds().length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = StrategyDriver.argmax(ref[r.promptIds().length - 1 + i], model.config().eosTokenId());
        }
        return ids;
    }
}
