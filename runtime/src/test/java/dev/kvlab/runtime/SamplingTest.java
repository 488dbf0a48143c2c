package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The sampling rules on the oracle ({@link TokenSampler}; DeviceSamplerTest holds the engine's device sampler to it),
 * and that a sampled request's tokens do not depend on what it is batched with.
 */
class SamplingTest {
    static final float[] LOGITS = {1.0f, 3.0f, 2.0f, Float.NEGATIVE_INFINITY, 2.5f};

    @Test
    void topKOfOneIsArgmaxAtAnyTemperature() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 50; i++) {
            assertEquals(1, TokenSampler.sample(LOGITS, new SamplingParams(5.0, 1, 1.0, 0), r));
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // softmax at T=1 over {3.0, 2.5, 2.0, 1.0}: 0.455, 0.276, 0.167, 0.062 (token 3 is suppressed)
        Set<Integer> seen = new HashSet<>();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 2000; i++) {
            seen.add(TokenSampler.sample(LOGITS, new SamplingParams(1.0, 0, 0.7, 0), r));
        }
        assertEquals(Set.of(1, 4), seen, "0.455 + 0.276 >= 0.7: only the two best survive");
    }

    @Test
    void suppressedTokensAreNeverDrawnAndAllOthersAre() {
        Set<Integer> seen = new HashSet<>();
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 5000; i++) {
            seen.add(TokenSampler.sample(LOGITS, new SamplingParams(2.0, 0, 1.0, 0), r));
        }
        assertEquals(Set.of(0, 1, 2, 4), seen);
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-0.5, 0, 1.0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1.0, -1, 1.0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1.0, 0, 0.0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(Double.NaN, 0, 1.0, 0));
    }

    @Test
    void sampledOutputIsTheSameAloneAndInABatch() {
        int[] prompt = StrategyConformanceTest.prompt(12, 9);
        GenerationRequest target = new GenerationRequest("t", prompt, 40, new SamplingParams(0.9, 40, 0.95, 1234),
                true, null);
        int[] alone = generate(List.of(target)).get(0).generatedIds();
        List<GenerationRequest> batch = new ArrayList<>(BatchInvarianceTest.requests(12, 5));
        batch.add(6, target);
        int[] batched = generate(batch).get(6).generatedIds();
        assertArrayEquals(alone, batched);
        GenerationRequest otherSeed = new GenerationRequest("t", prompt, 40, new SamplingParams(0.9, 40, 0.95, 99),
                true, null);
        assertNotEquals(List.of(alone), List.of(generate(List.of(otherSeed)).get(0).generatedIds()),
                "a different seed must give a different sample");
    }

    private static List<RequestResult> generate(List<GenerationRequest> requests) {
        EngineConfig config = new EngineConfig("paged", CacheOptions.DEFAULTS, 0, 8, 64);
        try (Engine engine = new Engine(Models.get("tiny"), config)) {
            List<RequestResult> out = engine.runToCompletion(requests);
            assertTrue(out.stream().allMatch(r -> r.generatedIds().length == 40 || !r.id().equals("t")));
            return out;
        }
    }
}
