package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.model.torch.DeviceSampler;
import dev.kvlab.model.torch.HostCopy;
import dev.kvlab.model.torch.SamplerInputs;
import dev.kvlab.model.torch.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device sampler against its oracle, the host sampler ({@link TokenSampler}, plain Java in double): random
 * rows (vocabularies of 1 to 50257 tokens, exact ties, suppressed tokens), temperatures from 1e-300 to 100, top-k
 * 0/1/5/vocab/random, top-p 0.1 to 1, random draws, many rows in one batched call. They must pick the same token,
 * except where the draw {@code u * total} or the nucleus target lies within 1e-12 (relative) of an edge, where
 * rounding (the device's exp and cumulative sum against Java's loops) may decide; those cases are skipped, counted
 * and must be rare. Each row also picks the same alone as in its batch (rows do not see each other).
 */
class DeviceSamplerTest {
    private static final double EDGE = 1e-12;
    private static final double[] TEMPERATURES = {1e-300, 1e-6, 0.01, 0.3, 0.8, 1.0, 2.5, 100};
    private static final double[] TOP_P = {0.1, 0.5, 0.9, 0.95, 0.999, 1.0, 1.0};
    private static final int[] VOCABS = {1, 2, 7, 64, 500, 4096};
    private static Device cpu;

    @BeforeAll
    static void init() {
        cpu = TorchRuntime.initCpu();
    }

    record Case(float[] logits, SamplingParams params, double u) {
    }

    @Test
    void picksWhatTheHostSamplerPicksAwayFromEdges() {
        SplittableRandom random = new SplittableRandom(11);
        int compared = 0;
        int nearEdge = 0;
        for (int batch = 0; batch < 300; batch++) {
            int vocab = batch < 4 ? 50257 : VOCABS[random.nextInt(VOCABS.length)];
            List<Case> cases = new ArrayList<>();
            for (int r = 1 + random.nextInt(8); r > 0; r--) {
                cases.add(randomCase(random, vocab));
            }
            int[] device = pick(cases);
            for (int i = 0; i < cases.size(); i++) {
                Case c = cases.get(i);
                if (nearEdge(c)) {
                    nearEdge++;
                    continue;
                }
                compared++;
                assertEquals(TokenSampler.sample(c.logits(), c.params(), c.u()), device[i],
                        "batch " + batch + " row " + i + ": vocab " + vocab + " " + c.params() + " u=" + c.u());
                if (batch % 5 == 0) {
                    assertEquals(device[i], pick(List.of(c))[0], "alone as in its batch: batch " + batch);
                }
            }
        }
        assertTrue(compared > 1000, "compared " + compared);
        assertTrue(nearEdge * 100 < compared, nearEdge + " of " + (compared + nearEdge) + " near an edge");
    }

    @Test
    void extremesOfEachSetting() {
        float[] l = {1.0f, 3.0f, 2.0f, Float.NEGATIVE_INFINITY, 3.0f, 2.5f};
        for (double t : new double[] {Double.MIN_VALUE, 1e-30, 1.0, 100}) {
            for (int k : new int[] {0, 1, 2, 5, 6, 100}) {
                for (double p : new double[] {1e-9, 0.3, 0.7, 1.0}) {
                    for (double u : new double[] {0.0, 0.25, 0.5, 0.75, 1 - 0x1p-53}) {
                        Case c = new Case(l, new SamplingParams(t, k, p, 0), u);
                        int got = pick(List.of(c))[0];
                        if (!nearEdge(c)) {
                            assertEquals(TokenSampler.sample(l, c.params(), u), got, c.toString());
                        }
                        assertTrue(got != 3, "a suppressed token is never drawn");
                        if (k == 1 || t < 1e-3) {
                            assertTrue(got == 1 || got == 4, "top-1 or a tiny temperature is the max: " + c);
                        }
                    }
                }
            }
        }
    }

    private static Case randomCase(SplittableRandom random, int vocab) {
        float[] l = new float[vocab];
        double scale = new double[] {0.1, 2, 30}[random.nextInt(3)];
        boolean coarse = random.nextInt(3) == 0;   // exact ties
        for (int i = 0; i < vocab; i++) {
            double x = random.nextGaussian() * scale;
            l[i] = coarse ? (float) (Math.round(x * 2) / 2.0) + 0.0f : (float) x;
        }
        if (vocab > 1 && random.nextInt(3) == 0) {   // suppressed tokens, never all
            int keep = random.nextInt(vocab);
            for (int i = 0; i < vocab; i++) {
                if (i != keep && random.nextInt(10) == 0) {
                    l[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        int[] ks = {0, 0, 1, 5, vocab, 1 + random.nextInt(vocab)};
        double p = random.nextInt(4) == 0 ? 0.05 + random.nextDouble() * 0.95 : TOP_P[random.nextInt(TOP_P.length)];
        SamplingParams params = new SamplingParams(TEMPERATURES[random.nextInt(TEMPERATURES.length)],
                ks[random.nextInt(ks.length)], p, 0);
        return new Case(l, params, random.nextDouble());
    }

    /** The device sampler over the cases as one batch; the ids as the engine gets them (one copy). */
    private static int[] pick(List<Case> cases) {
        int vocab = cases.get(0).logits().length;
        float[] all = new float[cases.size() * vocab];
        List<SamplerInputs.Row> rows = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            System.arraycopy(c.logits(), 0, all, i * vocab, vocab);
            rows.add(new SamplerInputs.Row(i, c.u(), c.params().temperature(), c.params().topK(), c.params().topP()));
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor logits = Tensor.create(all, cases.size(), vocab).to(cpu, ScalarType.Float);   // [R, vocab]
            long[] ids = new HostCopy().longs(DeviceSampler.pick(logits, new SamplerInputs(rows, vocab, cpu)));
            int[] out = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                out[i] = (int) ids[i];
            }
            return out;
        }
    }

    /** Whether rounding may decide: the draw or the nucleus target within {@link #EDGE} of an edge (relative). */
    static boolean nearEdge(Case c) {
        TokenSampler.Kept k = TokenSampler.kept(c.logits(), c.params());
        double[] mass = k.topKMass();
        if (mass.length > 0) {
            double total = mass[mass.length - 1];
            double target = c.params().topP() * total;
            for (double m : mass) {
                if (Math.abs(m - target) <= EDGE * total) {
                    return true;
                }
            }
        }
        double total = 0;
        for (double w : k.weights()) {
            total += w;
        }
        double x = c.u() * total;
        double edge = 0;
        for (double w : k.weights()) {
            edge += w;
            if (w > 0 && Math.abs(x - edge) <= EDGE * total) {
                return true;
            }
        }
        return false;
    }
}
