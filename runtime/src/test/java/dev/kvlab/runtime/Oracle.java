package dev.kvlab.runtime;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.KvPool;
import dev.kvlab.model.torch.SeqChunk;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The cache-free oracle: one full forward over a whole sequence with no stored K/V (teacher forcing). Row p of the
 * result is the next-token logits after position p, exactly what step-by-step recompute gives, in one pass.
 * With a ring view it applies the sliding-window-with-sinks mask instead of the causal one.
 */
final class Oracle {
    private Oracle() {
    }

    /** Full causal attention: the {@code none} strategy's answer for every position, {@code [L][vocab]}. */
    static float[][] causal(Gpt2Model model, int[] sequence) {
        return teacherForced(model, sequence, new AttentionView.Recompute());
    }

    /** Sliding window with sinks, applied to a full recompute: the reference a ring buffer must equal. */
    static float[][] window(Gpt2Model model, int[] sequence, int sinks, int window) {
        return teacherForced(model, sequence, new AttentionView.Ring(new int[0], new int[0], sinks, window));
    }

    private static float[][] teacherForced(Gpt2Model model, int[] sequence, AttentionView view) {
        Allocation.Granted nothingStored = new Allocation.Granted(new int[0], new int[0], view, List.of());
        SeqChunk chunk = new SeqChunk(sequence, 0, nothingStored, true);
        try (PointerScope scope = new PointerScope(); KvPool none = emptyPool(model)) {
            Tensor logits = model.forwardAllRows(new ForwardBatch(List.of(chunk)), none);   // [L, vocab]
            float[][] rows = new float[sequence.length][];
            for (int p = 0; p < sequence.length; p++) {
                rows[p] = toArray(logits.select(0, p));
            }
            return rows;
        }
    }

    private static KvPool emptyPool(Gpt2Model model) {
        var c = model.config();
        return new KvPool(new dev.kvlab.cache.CacheSpec(c.nLayer(), c.nHead(), c.headDim(), 4, 0, c.nPositions()), 1,
                model.device(), model.dtype());
    }

    static float[] toArray(Tensor row) {
        Tensor r = row.contiguous();
        float[] out = new float[(int) r.numel()];
        r.data_ptr_float().get(out);
        return out;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs((double) a[i] - b[i]));
        }
        return d;
    }
}
