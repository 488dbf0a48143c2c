package dev.kvlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The oracle against Hugging Face transformers' own outputs (hf-gpt2 fixtures, formula weights seed 0). */
class ReferenceGpt2Test {
    private static ReferenceGpt2 tiny;

    @BeforeAll
    static void loadTiny() {
        tiny = new ReferenceGpt2(FormulaWeights.of(Gpt2Config.preset("tiny"), 0));
    }

    @Test
    void tinyLogitsMatchTransformersAtSteps0And1And63() {
        assertLogitsMatch(tiny, "tiny");
    }

    @Test
    void tinyGreedyIdsMatchTransformers() {
        for (HfFixtures.Prompt p : HfFixtures.prompts("tiny").values()) {
            int[] got = tiny.greedy(p.promptIds(), p.generatedIds().length, true);
            assertArrayEquals(p.generatedIds(), got, "prompt " + p.name());
        }
    }

    @Test
    void greedyWithoutSuppressionIsTheArgmaxOverAllIds() {
        HfFixtures.Prompt p = HfFixtures.prompts("tiny").get("fox");
        int[] ids = tiny.greedy(p.promptIds(), 3, false);
        double[] l = tiny.logits(p.promptIds());
        assertEquals(ReferenceGpt2.argmax(l, -1), ids[0]);
    }

    @Test
    void argmaxSkipsTheSuppressedIdAndBreaksTiesLow() {
        double[] v = {1, 5, 5, 3};
        assertEquals(1, ReferenceGpt2.argmax(v, -1));
        assertEquals(2, ReferenceGpt2.argmax(v, 1));
    }

    @Test
    void geluIsTheTanhApproximation() {
        assertEquals(0.0, ReferenceGpt2.gelu(0.0), 0.0);
        assertEquals(0.8411919906082768, ReferenceGpt2.gelu(1.0), 1e-15);   // 0.5(1+tanh(sqrt(2/pi)*1.044715))
        assertEquals(-0.15880800939172324, ReferenceGpt2.gelu(-1.0), 1e-15);
    }

    @Test
    void rejectsEmptyTooLongAndOutOfVocabInput() {
        assertThrows(IllegalArgumentException.class, () -> tiny.logits(new int[0]));
        assertThrows(IllegalArgumentException.class, () -> tiny.logits(new int[tiny.config().nPositions() + 1]));
        assertThrows(IllegalArgumentException.class, () -> tiny.logits(new int[] {tiny.config().vocabSize()}));
    }

    @Test
    @Tag("slow")
    void smallLogitsMatchTransformers() {
        ReferenceGpt2 small = new ReferenceGpt2(FormulaWeights.of(Gpt2Config.preset("gpt2"), 0));
        assertLogitsMatch(small, "small");
    }

    /** Teacher-forced: each fixture step's logits from prompt + the expected ids before it. */
    static void assertLogitsMatch(ReferenceGpt2 model, String preset) {
        int checked = 0;
        for (HfFixtures.Prompt p : HfFixtures.prompts(preset).values()) {
            for (Map.Entry<Integer, String> f : p.logitsFiles().entrySet()) {
                float[] want = HfFixtures.logits(preset, f.getValue());
                double[] got = model.logits(HfFixtures.contextForStep(p, f.getKey()));
                assertEquals(want.length, got.length, f.getValue());
                double worst = 0;
                for (int v = 0; v < want.length; v++) {
                    worst = Math.max(worst, Math.abs(got[v] - want[v]));
                }
                assertTrue(worst <= HfFixtures.LOGITS_TOLERANCE, f.getValue() + ": max |diff| " + worst);
                checked++;
            }
        }
        assertEquals(9, checked, "3 prompts x steps {0, 1, 63}");
    }
}
