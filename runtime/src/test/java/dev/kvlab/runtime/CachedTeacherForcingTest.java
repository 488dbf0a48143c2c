package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.torch.Gpt2Model;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Teacher forcing through a real cache: chunked passes equal token-by-token decoding (what the strategy attends at
 * each position), full-holding strategies equal the cache-free recompute, and a ring differs only past its window.
 */
class CachedTeacherForcingTest {
    private static final int LEN = 40;

    private static int[] ids(Gpt2Model m) {
        Random r = new Random(7);
        int[] ids = new int[LEN];
        for (int i = 0; i < LEN; i++) {
            ids[i] = r.nextInt(m.config().vocabSize());
        }
        return ids;
    }

    private static float[] logits(String strategy, CacheOptions o, int chunk) {
        Gpt2Model m = Models.get("tiny");
        return new CachedTeacherForcing(strategy, o, 0, chunk).run(m, ids(m)).logits();
    }

    private static double maxDiff(float[] a, float[] b, int fromRow, int vocab) {
        double d = 0;
        for (int i = fromRow * vocab; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void ringChunkedEqualsTokenByToken() {
        for (int sinks : new int[] {0, 4}) {
            CacheOptions o = CacheOptions.DEFAULTS.withWindow(12, sinks);
            float[] stepwise = logits("ring", o, 1);
            for (int chunk : new int[] {5, 16, LEN}) {
                assertEquals(0, maxDiff(stepwise, logits("ring", o, chunk), 0, 1), 1e-4,
                        "ring sinks " + sinks + " chunk " + chunk);
            }
        }
    }

    @Test
    void fullCachesEqualRecompute() {
        float[] full = logits("none", CacheOptions.DEFAULTS, LEN);
        for (String s : new String[] {"contiguous", "paged", "none"}) {
            assertEquals(0, maxDiff(full, logits(s, CacheOptions.DEFAULTS, 7), 0, 1), 1e-4, s);
        }
        // a ring whose window holds the whole sequence attends to everything
        assertEquals(0, maxDiff(full, logits("ring", CacheOptions.DEFAULTS.withWindow(LEN, 0), 7), 0, 1), 1e-4);
    }

    @Test
    void ringDiffersOnlyPastItsWindow() {
        int vocab = Models.get("tiny").config().vocabSize();
        float[] full = logits("none", CacheOptions.DEFAULTS, LEN);
        float[] ring = logits("ring", CacheOptions.DEFAULTS.withWindow(12, 0), 8);
        float[] firstRows = java.util.Arrays.copyOf(ring, 12 * vocab);
        assertEquals(0, maxDiff(java.util.Arrays.copyOf(full, 12 * vocab), firstRows, 0, vocab), 1e-4);
        assertTrue(maxDiff(full, ring, 12, vocab) > 1e-3, "a 12-token window must change later logits");
    }

    /** The eviction policies (and the ring) at a budget that binds, on the tiny model. */
    static final int BUDGET = 12;

    static CacheOptions bound(String strategy) {
        CacheOptions base = CacheOptions.DEFAULTS.withBlockSize(4).withWindow(BUDGET, 2);
        return strategy.equals("ring") ? base
                : base.withEviction(dev.kvlab.cache.EvictionOptions.DEFAULTS.withBudget(BUDGET));
    }

    /**
     * Teacher forcing evicts as generation does: the engine generates greedily under each policy, and a teacher-forced
     * pass over the prompt and the generated tokens (prompt prefilled as the engine did, one chunk, then one decode
     * step per token) gives the engine's logits at every step; the policy saw the same statistics and evicted the
     * same tokens. A pass that never observes (no eviction) would attend to everything and differ.
     */
    @Test
    void decodeStepsEqualTheEnginesGenerationUnderEveryPolicy() {
        Gpt2Model m = Models.get("tiny");
        int prompt = 20;
        int newTokens = 16;
        int vocab = m.config().vocabSize();
        int[] p = java.util.Arrays.copyOf(ids(m), prompt);
        for (String s : new String[] {"h2o", "tova", "snapkv", "knorm", "mix", "ring"}) {
            java.util.List<float[]> engineRows = new java.util.ArrayList<>();
            int[] generated;
            try (Engine e = new Engine(m, new EngineConfig(s, bound(s), 0, 1, 2048, false))) {
                e.tapLogits((id, row) -> engineRows.add(row));
                generated = e.runToCompletion(java.util.List.of(GenerationRequest.greedy("r", p, newTokens, true)))
                        .get(0).generatedIds();
            }
            int[] all = new int[prompt + newTokens - 1];          // the last generated token is never an input
            System.arraycopy(p, 0, all, 0, prompt);
            System.arraycopy(generated, 0, all, prompt, newTokens - 1);
            float[] forced = new CachedTeacherForcing(s, bound(s), 0, prompt, prompt).run(m, all).logits();
            float[] full = new CachedTeacherForcing("paged", bound(s), 0, prompt, prompt).run(m, all).logits();
            double worst = 0;
            double fromFull = 0;
            for (int k = 0; k < newTokens; k++) {
                float[] row = java.util.Arrays.copyOfRange(forced, (prompt - 1 + k) * vocab, (prompt + k) * vocab);
                float[] fullRow = java.util.Arrays.copyOfRange(full, (prompt - 1 + k) * vocab, (prompt + k) * vocab);
                worst = Math.max(worst, maxDiff(engineRows.get(k), row, 0, 1));
                fromFull = Math.max(fromFull, maxDiff(fullRow, row, 0, 1));
            }
            assertEquals(0, worst, 1e-4, s + ": teacher-forced decode logits vs the engine's");
            assertTrue(fromFull > 1e-3, s + ": a budget of " + BUDGET + " must change the logits");
        }
    }

    /** With a budget that never binds every policy reads what paged reads: the recompute's logits. */
    @Test
    void unboundedPoliciesEqualRecompute() {
        float[] full = logits("none", CacheOptions.DEFAULTS, LEN);
        Gpt2Model m = Models.get("tiny");
        for (String s : new String[] {"h2o", "tova", "snapkv", "knorm", "mix"}) {
            float[] f = new CachedTeacherForcing(s, CacheOptions.DEFAULTS, 0, 7, 20).run(m, ids(m)).logits();
            assertEquals(0, maxDiff(full, f, 0, 1), 1e-4, s);
        }
    }

    /**
     * Bytes held are the strategy's real bytes between steps: a policy holds its budget (fp32 tiny: 2 layers x K and
     * V x 64 x 4 bytes per token), int8 the same tokens in fewer bytes (and its pool stores int8: not the fp32 logits).
     */
    @Test
    void heldBytesAreTheBudgetsRealBytes() {
        Gpt2Model m = Models.get("tiny");
        long perToken = 2L * 2 * 64 * 4;
        CachedTeacherForcing.Pass h2o = new CachedTeacherForcing("h2o", bound("h2o"), 0, 8, 20).run(m, ids(m));
        assertEquals(BUDGET * perToken, h2o.peakHeldBytes());
        // during a step a chunk is held before it is cut: chunks 8, 8, 4 of the 20-token prompt hold 8 + 8, then 12 + 4
        assertEquals(16 * perToken, h2o.peakLiveBytes());
        CachedTeacherForcing.Pass paged = new CachedTeacherForcing("paged", CacheOptions.DEFAULTS, 0, 8, 20)
                .run(m, ids(m));
        CachedTeacherForcing.Pass int8 = new CachedTeacherForcing("int8", CacheOptions.DEFAULTS, 0, 8, 20)
                .run(m, ids(m));
        assertEquals(LEN * perToken, paged.peakHeldBytes());
        assertTrue(int8.peakHeldBytes() < paged.peakHeldBytes() / 3, int8.peakHeldBytes() + " vs " + paged.peakHeldBytes());
        double d = maxDiff(paged.logits(), int8.logits(), 0, 1);
        assertTrue(d > 0 && d < 0.1, "int8 logits: quantized (not fp32), close: " + d);
    }

    @Test
    void noRoomIsBadInput() {
        Gpt2Model m = Models.get("tiny");
        var e = assertThrows(IllegalArgumentException.class,
                () -> new CachedTeacherForcing("contiguous", CacheOptions.DEFAULTS, 16, 8).run(m, ids(m)));
        assertTrue(e.getMessage().contains("cannot hold"), e.getMessage());
    }

    @Test
    void perplexityOfLongSequenceScoresEveryWindow() {
        Gpt2Model m = Models.get("tiny");
        int ctx = m.config().nPositions();
        int[] ids = new int[ctx + 10];
        Random r = new Random(3);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(m.config().vocabSize());
        }
        Perplexity p = Perplexity.of(m, new CachedTeacherForcing("contiguous", CacheOptions.DEFAULTS, 0, 256), ids);
        assertEquals(2, p.numWindows());
        assertEquals(ids.length - 2, p.numTokens());
        assertEquals(Math.exp(p.nllPerToken()), p.perplexity(), 1e-12);
    }
}
