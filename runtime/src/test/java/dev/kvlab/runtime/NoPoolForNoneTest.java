package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.torch.Gpt2Model;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code none} stores nothing, so the engine allocates no KV pool for it: 100,000 seats (a budget of about 100 GB of
 * K/V on the tiny model, which the host-memory check refuses for a caching strategy) still build an engine whose
 * output equals the cache-free oracle.
 */
class NoPoolForNoneTest {
    static final EngineConfig HUGE = new EngineConfig("none", CacheOptions.DEFAULTS, 0, 100_000, 2048);

    @Test
    void noneNeedsNoPoolWhereACachingStrategyCannotHaveOne() {
        Gpt2Model model = Models.get("tiny");
        assertThrows(IllegalArgumentException.class, () -> new Engine(model, HUGE.withStrategy("contiguous")).close());
        int[] prompt = StrategyConformanceTest.prompt(5, 9);
        try (Engine engine = new Engine(model, HUGE)) {
            RequestResult r = engine.runToCompletion(List.of(GenerationRequest.greedy("n", prompt, 6, true))).get(0);
            int[] seq = java.util.Arrays.copyOf(prompt, prompt.length + 6);
            System.arraycopy(r.generatedIds(), 0, seq, prompt.length, 6);
            float[][] ref = Oracle.causal(model, seq);
            int[] expected = new int[6];
            for (int i = 0; i < 6; i++) {
                expected[i] = dev.kvlab.runtime.check.StrategyDriver.argmax(ref[prompt.length - 1 + i],
                        model.config().eosTokenId());
            }
            assertArrayEquals(expected, r.generatedIds());
        }
    }
}
