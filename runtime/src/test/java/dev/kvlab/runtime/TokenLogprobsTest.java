package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvlab.model.torch.DeviceLogprobs;
import dev.kvlab.model.torch.HostCopy;
import dev.kvlab.model.torch.TorchRuntime;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * Top-k log-probabilities against a plain reference (full sort and a log of the softmax in double precision), and
 * the device's ({@link DeviceLogprobs}, what the engine reports) against the host's {@link TokenLogprobs#of}.
 */
class TokenLogprobsTest {
    @Test
    void theDeviceReportsWhatTheHostComputes() {
        Device cpu = TorchRuntime.initCpu();
        SplittableRandom random = new SplittableRandom(4);
        for (int trial = 0; trial < 40; trial++) {
            int vocab = trial < 2 ? 50257 : 1 + random.nextInt(600);
            int rows = 1 + random.nextInt(5);
            float[] all = new float[rows * vocab];
            for (int i = 0; i < all.length; i++) {
                double x = random.nextGaussian() * 3;
                all[i] = random.nextBoolean() ? (float) (Math.round(x * 2) / 2.0) : (float) x;   // ties too
            }
            int[] chosen = new int[rows];
            int[] top = new int[rows];
            for (int r = 0; r < rows; r++) {
                chosen[r] = random.nextInt(vocab);
                top[r] = random.nextInt(4) == 0 ? 0 : Math.min(vocab, 1 + random.nextInt(20));
            }
            long[] ids;
            double[] values;
            try (PointerScope scope = new PointerScope()) {
                Tensor logits = Tensor.create(all, rows, vocab).to(cpu, ScalarType.Float);   // [R, vocab]
                Tensor picked = Tensor.create(Arrays.stream(chosen).asLongStream().toArray(), rows);   // [R]
                DeviceLogprobs.Flat lp = DeviceLogprobs.of(logits, picked, top);
                HostCopy host = new HostCopy();
                ids = host.longs(lp.topIds());
                values = host.doubles(lp.values());
            }
            int at = 0;
            for (int r = 0; r < rows; r++) {
                TokenLogprobs want = TokenLogprobs.of(Arrays.copyOfRange(all, r * vocab, (r + 1) * vocab),
                        chosen[r], top[r]);
                assertEquals(want.logprob(), values[r], 1e-9, "trial " + trial + " row " + r);
                for (int j = 0; j < top[r]; j++) {
                    assertEquals(want.topIds()[j], ids[at + j], "trial " + trial + " row " + r + " top " + j);
                    assertEquals(want.topLogprobs()[j], values[rows + at + j], 1e-9, "trial " + trial);
                }
                at += top[r];
            }
            assertEquals(at, ids.length, "only the asked top entries cross");
            assertEquals(rows + at, values.length);
        }
    }

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
