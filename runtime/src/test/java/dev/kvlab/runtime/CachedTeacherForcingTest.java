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
