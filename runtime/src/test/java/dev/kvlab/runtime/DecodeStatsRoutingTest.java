package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.EvictionOptions;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.SeqId;
import dev.kvlab.cache.StepStats;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.KvPool;
import dev.kvlab.model.torch.SeqChunk;
import dev.kvlab.runtime.check.StrategyDriver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decode rows that ask for statistics go through the one decode-attention call per layer (the CPU kernel, or the
 * torch-ops path); before, they went per chunk through {@code HeldAttention}, which stays the oracle here: several
 * sequences of different lengths decode together in every step under a policy whose budget binds, the same batch runs
 * through the three paths (each with its own pool, the same grants), and every step's logits and statistics equal the
 * per-chunk path's (statistics within 1e-5), and so do the greedy ids. The per-chunk run drives the cache.
 */
class DecodeStatsRoutingTest {
    private static final int[] PROMPTS = {5, 13, 20, 27};
    private static final int NEW_TOKENS = 24;
    private static final int BUDGET = 10;
    private static final DecodePath[] PATHS = {DecodePath.PER_CHUNK, DecodePath.KERNEL, DecodePath.BATCHED};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2o", "tova", "knorm", "snapkv", "mix"})
    void decodeCallStatisticsEqualThePerChunkPath(String strategy) {
        Gpt2Model[] models = new Gpt2Model[PATHS.length];
        for (int m = 0; m < PATHS.length; m++) {
            models[m] = Models.get("tiny", PATHS[m]);
        }
        Gpt2Config c = models[0].config();
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), 4, 1024, c.nPositions());
        KvCache cache = KvCacheRegistry.create(strategy, spec, CacheOptions.DEFAULTS.withBlockSize(4)
                .withEviction(EvictionOptions.DEFAULTS.withBudget(BUDGET)));
        int n = PROMPTS.length;
        int[][] seqs = new int[n][];
        SeqId[] ids = new SeqId[n];
        int[] computed = new int[n];
        for (int i = 0; i < n; i++) {
            seqs[i] = StrategyConformanceTest.prompt(PROMPTS[i], 7 + i);
            ids[i] = new SeqId(i + 1);
        }
        KvPool[] pools = new KvPool[PATHS.length];
        int decodeStatsRows = 0;
        try {
            for (int m = 0; m < PATHS.length; m++) {
                pools[m] = new KvPool(spec, models[m].device(), models[m].dtype());
            }
            for (int step = 0; step <= NEW_TOKENS; step++) {
                List<SeqChunk> chunks = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int take = seqs[i].length - computed[i];
                    Allocation.Granted g = (Allocation.Granted) cache.allocate(new AllocRequest(ids[i], seqs[i],
                            take, PROMPTS[i] + NEW_TOKENS + 1, PROMPTS[i]));
                    chunks.add(SeqChunk.of(seqs[i], computed[i], g, true));
                    decodeStatsRows += take == 1 && g.stats().wantsAny() ? 1 : 0;
                }
                float[][][] logits = new float[PATHS.length][][];
                StepStats[][] stats = new StepStats[PATHS.length][n];
                for (int m = 0; m < PATHS.length; m++) {
                    logits[m] = step(models[m], pools[m], chunks, stats[m]);
                }
                for (int m = 1; m < PATHS.length; m++) {
                    for (int i = 0; i < n; i++) {
                        String what = strategy + " " + PATHS[m] + " step " + step + " seq " + i;
                        assertClose(stats[0][i].attention(), stats[m][i].attention(), 1e-5, what + " attention");
                        assertClose(stats[0][i].keyNorms(), stats[m][i].keyNorms(), 1e-5, what + " key norms");
                        assertClose(new float[][][] {{logits[0][i]}}, new float[][][] {{logits[m][i]}}, 1e-4,
                                what + " logits");
                    }
                }
                for (int i = 0; i < n; i++) {
                    cache.observe(ids[i], stats[0][i]);
                    computed[i] = seqs[i].length;
                    int next = StrategyDriver.argmax(logits[0][i], c.eosTokenId());
                    for (int m = 1; m < PATHS.length; m++) {
                        assertEquals(next, StrategyDriver.argmax(logits[m][i], c.eosTokenId()),
                                strategy + " " + PATHS[m] + ": greedy id at step " + step + " seq " + i);
                    }
                    seqs[i] = Arrays.copyOf(seqs[i], seqs[i].length + 1);
                    seqs[i][seqs[i].length - 1] = next;
                }
                cache.checkInvariants();
            }
        } finally {
            for (KvPool p : pools) {
                if (p != null) {
                    p.close();
                }
            }
        }
        boolean asksAtDecode = List.of("h2o", "tova", "knorm").contains(strategy);   // snapkv: prefill; mix: none
        assertTrue(!asksAtDecode || decodeStatsRows >= n * NEW_TOKENS,
                strategy + ": decode rows asked for statistics in every step (" + decodeStatsRows + ")");
    }

    private static float[][] step(Gpt2Model model, KvPool pool, List<SeqChunk> chunks, StepStats[] stats) {
        try (PointerScope scope = new PointerScope()) {
            Tensor logits = model.forward(new ForwardBatch(chunks), pool, stats);
            float[][] out = new float[chunks.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = Oracle.toArray(logits.select(0, i));
            }
            return out;
        }
    }

    private static void assertClose(float[][][] want, float[][][] got, double tolerance, String what) {
        assertEquals(want.length, got.length, what + ": layers");
        for (int l = 0; l < want.length; l++) {
            assertEquals(want[l].length, got[l].length, what + ": heads");
            for (int h = 0; h < want[l].length; h++) {
                assertEquals(want[l][h].length, got[l][h].length, what + ": values");
                for (int j = 0; j < want[l][h].length; j++) {
                    assertEquals(want[l][h][j], got[l][h][j], tolerance, what + " layer " + l + " head " + h + " #" + j);
                }
            }
        }
    }
}
