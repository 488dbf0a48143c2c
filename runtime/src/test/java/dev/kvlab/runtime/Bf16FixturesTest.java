package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.HfFixtures;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.check.StrategyDriver;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code --dtype bfloat16} (bf16 weights, matmuls and KV; float32 logits) against float32 on the Hugging Face
 * fixtures' prompts and weights, bounded:
 * <ul>
 *   <li>teacher-forced on HF's own tokens, bf16's logits at HF's logged steps (0, 1, 63) stay within
 *       {@link #MAX_LOGIT_DIFF} of HF's float32 logits;</li>
 *   <li>over 200 greedy tokens of kvlab's float32 (the oracle; equal to HF's ids for the fixtures' 64), bf16 fed the
 *       same tokens picks the same next token at least {@link #MIN_AGREEMENT} of the time. Free-running bf16 greedy
 *       ids are reported too (the prefix they share with float32), not bounded: with formula weights the top-2 logit
 *       margin is as small as 2e-3 (fixtures README), below bf16's resolution, so one early flip decides the rest.</li>
 * </ul>
 * The measured figures are printed (docs/COMPARISON.md quotes them).
 */
class Bf16FixturesTest {
    static final double MAX_LOGIT_DIFF = 0.1;    // measured 0.007-0.016 tiny, 0.037-0.045 gpt2-small
    static final double MIN_AGREEMENT = 0.9;     // measured 0.955-0.960 tiny, 0.945-0.990 gpt2-small
    static final int TOKENS = 200;

    @Test
    void tinyBf16StaysWithinTheBounds() {
        check("tiny", "tiny");
    }

    @Tag("slow")
    @Test
    void gpt2SmallBf16StaysWithinTheBounds() {
        check("small", "gpt2");
    }

    private static void check(String fixture, String preset) {
        Gpt2Model fp32 = Models.get(preset);
        try (TensorSource src = FormulaWeights.of(Gpt2Config.preset(preset), 0);
             Gpt2Model bf16 = new Gpt2Model(src, fp32.device(), ComputeDType.BFLOAT16)) {
            for (HfFixtures.Prompt p : HfFixtures.prompts(fixture).values()) {
                double logitDiff = logitDiffToHf(fixture, bf16, p);
                StrategyDriver.Run ref = StrategyDriver.greedy(fp32, "contiguous", CacheOptions.DEFAULTS,
                        p.promptIds(), TOKENS, 64);
                double agreement = teacherForcedAgreement(bf16, ref);
                StrategyDriver.Run free = StrategyDriver.greedy(bf16, "contiguous", CacheOptions.DEFAULTS,
                        p.promptIds(), TOKENS, 64);
                int shared = sharedPrefix(ref.generated(), free.generated());
                System.out.printf(Locale.ROOT, "bf16 vs fp32, %s/%s: max |logit - HF fp32| %.4f; teacher-forced "
                        + "argmax agreement %.3f over %d tokens; free-running greedy ids equal for the first %d%n",
                        fixture, p.name(), logitDiff, agreement, TOKENS, shared);
                assertTrue(logitDiff <= MAX_LOGIT_DIFF, fixture + "/" + p.name() + ": logits differ by " + logitDiff);
                assertTrue(logitDiff > 0, "bf16 must really compute in reduced precision");
                assertTrue(agreement >= MIN_AGREEMENT, fixture + "/" + p.name() + ": agreement " + agreement);
            }
        }
    }

    /** bf16 on HF's prompt + generated ids in one pass; the largest difference at the logged steps. */
    private static double logitDiffToHf(String fixture, Gpt2Model bf16, HfFixtures.Prompt p) {
        int[] seq = Arrays.copyOf(p.promptIds(), p.promptIds().length + p.generatedIds().length);
        System.arraycopy(p.generatedIds(), 0, seq, p.promptIds().length, p.generatedIds().length);
        float[][] logits = Oracle.causal(bf16, seq);
        double worst = 0;
        for (Map.Entry<Integer, String> e : p.logitsFiles().entrySet()) {
            float[] row = logits[p.promptIds().length - 1 + e.getKey()];
            worst = Math.max(worst, Oracle.maxAbsDiff(row, HfFixtures.logits(fixture, e.getValue())));
        }
        return worst;
    }

    /** The fraction of float32's greedy tokens that bf16, fed float32's sequence, also ranks first. */
    private static double teacherForcedAgreement(Gpt2Model bf16, StrategyDriver.Run ref) {
        float[][] logits = Oracle.causal(bf16, ref.sequence());
        int eos = bf16.config().eosTokenId();
        int same = 0;
        for (int i = 0; i < ref.generated().length; i++) {
            if (StrategyDriver.argmax(logits[ref.prompt().length - 1 + i], eos) == ref.generated()[i]) {
                same++;
            }
        }
        return same / (double) ref.generated().length;
    }

    private static int sharedPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < Math.min(a.length, b.length) && a[n] == b[n]) {
            n++;
        }
        return n;
    }
}
