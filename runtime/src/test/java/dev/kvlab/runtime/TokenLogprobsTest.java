package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Top-k log-probabilities against a plain reference: full sort and a log of the softmax in double precision. */
class TokenLogprobsTest {
    @Test
    void matchesSortedSoftmaxWithTiesToTheLowerId() {
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 50; trial++) {
            int vocab = 1 + random.nextInt(300);
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                logits[i] = (float) Math.round(random.nextDouble(-8, 8) * 4) / 4;   // coarse values: many ties
            }
            int token = random.nextInt(vocab);
            int k = random.nextInt(Math.min(vocab, 8) + 1);
            TokenLogprobs lp = TokenLogprobs.of(logits, token, k);

            double sum = 0;
            for (float l : logits) {
                sum += Math.exp(l);
            }
            double logZ = Math.log(sum);
            Integer[] order = IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i));
            int[] expectedIds = Arrays.stream(order).limit(k).mapToInt(Integer::intValue).toArray();
            assertArrayEquals(expectedIds, lp.topIds(), "trial " + trial);
            for (int i = 0; i < k; i++) {
                assertEquals(logits[expectedIds[i]] - logZ, lp.topLogprobs()[i], 1e-9);
            }
            assertEquals(logits[token] - logZ, lp.logprob(), 1e-9);
        }
    }
}
