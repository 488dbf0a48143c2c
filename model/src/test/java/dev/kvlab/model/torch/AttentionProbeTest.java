package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
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
             AttentionProbe p = new AttentionProbe(src, cpu); PointerScope scope = new PointerScope();
             KvPool none = new KvPool(new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), 4, 0, c.nPositions()), 1, cpu,
                     ComputeDType.FLOAT32)) {
            Allocation.Granted g = new Allocation.Granted(new int[0], new int[0], new AttentionView.Recompute(),
                    List.of());
            Tensor t = m.forwardAllRows(new ForwardBatch(List.of(new SeqChunk(ids, 0, g, true))), none).contiguous();
            model = new float[(int) t.numel()];
            t.data_ptr_float().get(model);
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
