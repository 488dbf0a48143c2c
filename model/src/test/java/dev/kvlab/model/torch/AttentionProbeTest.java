package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import java.util.Random;
import org.bytedeco.pytorch.Device;
import org.junit.jupiter.api.Test;

/** The attention probe computes the same forward pass as {@link Gpt2Model}, and its shares are probabilities. */
class AttentionProbeTest {
    @Test
    void logitsEqualTheModelsAndSharesAreProbabilities() {
        Device cpu = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        Gpt2Config c = Gpt2Config.preset("tiny");
        int[] ids = new Random(5).ints(48, 0, c.vocabSize()).toArray();
        float[] model;
        AttentionProbe.Result probe;
        try (TensorSource src = FormulaWeights.of(c, 0); Gpt2Model m = new Gpt2Model(src, cpu, ComputeDType.FLOAT32);
             AttentionProbe p = new AttentionProbe(src, cpu)) {
            float[][] rows = TeacherForcing.causal(m, ids);                                 // [L][vocab]
            model = new float[rows.length * rows[0].length];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(rows[r], 0, model, r * rows[0].length, rows[0].length);
            }
            probe = p.run(ids);
        }
        assertEquals(model.length, probe.logits().length);
        for (int i = 0; i < model.length; i++) {
            assertEquals(model[i], probe.logits()[i], 1e-4, "logit " + i);
        }
        for (int l = 0; l < c.nLayer(); l++) {
            double f = probe.firstTokenShare()[l];
            double q = probe.previousTokenShare()[l];
            assertTrue(f > 0 && q > 0 && f + q <= 1 + 1e-9, "layer " + l + ": first " + f + " previous " + q);
        }
    }
}
