package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.EvictingCache;
import dev.kvlab.cache.EvictionOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.SeqId;
import dev.kvlab.cache.StatsRequest;
import dev.kvlab.cache.StepStats;
import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.ReferenceGpt2;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.KvPool;
import dev.kvlab.model.torch.SeqChunk;
import dev.kvlab.runtime.check.StrategyDriver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The policies with a budget that binds, on the tiny model, through the real attention path: the statistics the
 * model hands over feed the policy after every step, tokens are evicted, and the logits still equal an independent
 * oracle: the plain-Java double reference with each query of each layer restricted to the keys the step's
 * {@link AttentionView.Held} view listed. So what the views say is what attention read, per layer. The statistics are
 * checked too: each head's attention mass sums to the number of queries it counts. Run over every decode path: the
 * decode rows (with their statistics) through the CPU kernel, through the torch-ops path, and per chunk.
 */
class EvictionModelTest {
    static final int PROMPT = 20;
    static final int NEW_TOKENS = 30;
    static final int CHUNK = 8;
    static final int BUDGET = 12;
    static final double TOLERANCE = 1e-4;

    static Stream<Arguments> policies() {
        EvictionOptions e = EvictionOptions.DEFAULTS.withBudget(BUDGET);
        CacheOptions base = CacheOptions.DEFAULTS.withBlockSize(4).withWindow(64, 4);
        return Stream.of(Arguments.of("h2o", base.withEviction(e)),
                Arguments.of("h2o", base.withEviction(e.withGranularity(EvictionOptions.Granularity.BLOCK))),
                Arguments.of("tova", base.withEviction(e)), Arguments.of("snapkv", base.withEviction(e)),
                Arguments.of("knorm", base.withEviction(e)), Arguments.of("mix", base.withEviction(e)))
                .flatMap(a -> Stream.of(DecodePath.AUTO, DecodePath.BATCHED, DecodePath.PER_CHUNK)
                        .map(p -> Arguments.of(a.get()[0], a.get()[1], p)));
    }

    /** One step: the chunk's positions and the view it read. */
    record Step(int first, int end, AttentionView.Held view) {
    }

    @ParameterizedTest(name = "{0} {2} {1}")
    @MethodSource("policies")
    void evictingMatchesTheReferenceRestrictedToTheHeldKeys(String strategy, CacheOptions options, DecodePath path) {
        Gpt2Model model = Models.get("tiny", path);
        Gpt2Config c = model.config();
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), 4, c.nPositions(), c.nPositions());
        EvictingCache cache = (EvictingCache) KvCacheRegistry.create(strategy, spec, options);
        int[] all = StrategyConformanceTest.prompt(PROMPT, 99);
        List<Step> steps = new ArrayList<>();
        List<float[]> logits = new ArrayList<>();
        SeqId seq = new SeqId(1);
        int computed = 0;
        long evicted = 0;
        try (KvPool pool = new KvPool(spec, model.device(), model.dtype())) {
            while (all.length < PROMPT + NEW_TOKENS) {
                int take = Math.min(CHUNK, all.length - computed);
                int[] seen = Arrays.copyOf(all, computed + take);
                Allocation.Granted g = (Allocation.Granted) cache.allocate(
                        new AllocRequest(seq, seen, take, PROMPT + NEW_TOKENS, PROMPT));
                AttentionView.Held view = (AttentionView.Held) g.view();
                steps.add(new Step(computed, seen.length, view));
                boolean samples = seen.length == all.length;
                StepStats[] stats = new StepStats[1];
                float[] row = step(model, pool, SeqChunk.of(seen, computed, g, samples), stats);
                checkMasses(g.stats(), stats[0], view, computed, seen.length);
                cache.observe(seq, stats[0]);
                cache.checkInvariants();
                for (int l = 0; l < c.nLayer(); l++) {
                    int held = cache.numHeldTokens(seq, l);
                    evicted += seen.length - held;
                    assertTrue(held <= bound(strategy, l, c.nLayer(), seen.length), strategy + " layer " + l
                            + " holds " + held + " of " + seen.length);
                }
                computed = seen.length;
                if (samples) {
                    logits.add(row);
                    all = Arrays.copyOf(all, all.length + 1);
                    all[all.length - 1] = StrategyDriver.argmax(row, c.eosTokenId());
                }
            }
        }
        assertTrue(evicted > 0, strategy + " evicted something");
        double[][] ref = reference(c, all, steps);
        int[] expected = new int[NEW_TOKENS];
        double worst = 0;
        for (int i = 0; i < NEW_TOKENS; i++) {
            int p = PROMPT - 1 + i;
            expected[i] = ReferenceGpt2.argmax(ref[p], c.eosTokenId());
            for (int v = 0; v < ref[p].length; v++) {
                worst = Math.max(worst, Math.abs(logits.get(i)[v] - ref[p][v]));
            }
        }
        assertArrayEquals(expected, Arrays.copyOfRange(all, PROMPT, all.length), strategy + ": greedy ids");
        double w = worst;
        assertTrue(worst <= TOLERANCE, () -> strategy + ": logits differ from the restricted reference by " + w);
    }

    /** The most a layer may hold after a step. */
    private static int bound(String strategy, int layer, int layers, int seen) {
        return switch (strategy) {
            case "snapkv" -> seen <= PROMPT ? (seen < PROMPT ? seen : BUDGET) : BUDGET + seen - PROMPT;
            case "mix" -> layer < layers / 2 ? seen : BUDGET;
            default -> BUDGET;
        };
    }

    /** Each head's attention mass sums to the number of queries the request counts. */
    private static void checkMasses(StatsRequest asked, StepStats stats, AttentionView.Held view, int first, int end) {
        assertEquals(asked.wantsAttention(), stats.hasAttention());
        assertEquals(asked.keyNorms(), stats.hasKeyNorms());
        for (int l = 0; l < stats.attention().length; l++) {
            for (float[] head : stats.attention()[l]) {
                assertEquals(view.numHeld(l), head.length);
                double sum = 0;
                for (float m : head) {
                    assertTrue(m >= 0, "attention mass is non-negative");
                    sum += m;
                }
                assertEquals(end - Math.max(first, asked.attentionFrom()), sum, TOLERANCE, "mass per head");
            }
        }
        for (float[][] layer : stats.keyNorms()) {
            for (float[] head : layer) {
                assertEquals(end - first, head.length);
                for (float norm : head) {
                    assertTrue(norm > 0, "key norms are positive");
                }
            }
        }
    }

    /** The double reference where query p of layer l sees the keys the view of the step computing p listed. */
    private static double[][] reference(Gpt2Config c, int[] all, List<Step> steps) {
        boolean[][][] sees = new boolean[c.nLayer()][all.length][];
        for (Step s : steps) {
            for (int l = 0; l < c.nLayer(); l++) {
                boolean[] held = new boolean[s.end()];
                for (int p : s.view().positions()[l]) {
                    held[p] = true;
                }
                for (int q = s.first(); q < s.end(); q++) {
                    sees[l][q] = held;
                }
            }
        }
        try (TensorSource src = FormulaWeights.of(Gpt2Config.preset("tiny"), 0)) {
            return new ReferenceGpt2(src).logitsAll(Arrays.copyOf(all, all.length - 1),
                    (layer, query, key) -> sees[layer][query][key]);
        }
    }

    private static float[] step(Gpt2Model model, KvPool pool, SeqChunk chunk, StepStats[] stats) {
        try (PointerScope scope = new PointerScope()) {
            Tensor logits = model.forward(new ForwardBatch(List.of(chunk)), pool, stats);
            return chunk.wantLogits() ? Oracle.toArray(logits.select(0, 0)) : null;
        }
    }
}
