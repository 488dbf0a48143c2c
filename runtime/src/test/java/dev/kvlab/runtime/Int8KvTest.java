package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.KvStorage;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.KvPool;
import dev.kvlab.runtime.check.ModelChecks;
import dev.kvlab.runtime.check.StrategyDriver;
import org.junit.jupiter.api.Test;

/**
 * Strategy {@code int8} on the model: K/V stored as int8 (keys per channel per block, values per token) and
 * dequantized in attention. Not exact, so not in the exact conformance suites: its logits stay within a bound of the
 * cache-free fp32 oracle over 200 greedy tokens (prompts of 16 and 500, chunked prefill of 128), and the pool holds
 * exactly the bytes the cache accounts for.
 */
class Int8KvTest {
    /** Largest |logit difference| allowed against the oracle (the tiny model's logits are O(10)). */
    static final double BOUND = ModelChecks.QUANTIZED_BOUND;
    static final CacheOptions OPTIONS = StrategyConformanceTest.OPTIONS;

    @Test
    void int8LogitsStayCloseToTheOracle() {
        Gpt2Model model = Models.get("tiny");
        for (int promptLength : new int[] {16, 500}) {
            int[] prompt = StrategyConformanceTest.prompt(promptLength, 7L * promptLength + 1);
            StrategyDriver.Run run = StrategyDriver.greedy(model, "int8", OPTIONS, prompt, 200, 128);
            float[][] ref = Oracle.causal(model, run.sequence());
            double worst = 0;
            int agree = 0;
            for (int i = 0; i < run.generated().length; i++) {
                float[] oracle = ref[promptLength - 1 + i];
                worst = Math.max(worst, Oracle.maxAbsDiff(run.logits().get(i), oracle));
                agree += StrategyDriver.argmax(oracle, model.config().eosTokenId()) == run.generated()[i] ? 1 : 0;
            }
            System.out.printf("int8 prompt=%d: max |logit - oracle| over 200 tokens = %.3g, greedy agreement %d/200%n",
                    promptLength, worst, agree);
            double w = worst;
            assertTrue(worst <= BOUND, () -> "int8 logits differ from the oracle by " + w);
            assertTrue(worst > 0, "int8 is really quantized: some logit differs");
        }
    }

    @Test
    void thePoolHoldsTheBytesTheCacheCounts() {
        Gpt2Model model = Models.get("tiny");
        Gpt2Config c = model.config();
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), 4, 1024, c.nPositions());
        KvCache cache = KvCacheRegistry.create("int8", spec, OPTIONS);
        assertEquals(KvStorage.Kind.INT8, cache.storage().kind());
        try (KvPool pool = new KvPool(spec, cache.storage(), model.device(), model.dtype())) {
            assertEquals(cache.memory().capacityBytes(), pool.bytes());
            assertTrue(pool.bytes() * 3 < spec.capacityTokens() * spec.bytesPerToken(), "int8 is under a third of fp32");
        }
    }
}
