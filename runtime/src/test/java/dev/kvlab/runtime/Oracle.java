package dev.kvlab.runtime;

import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.TeacherForcing;
import org.bytedeco.pytorch.Tensor;

/**
 * The cache-free oracle: one full forward over a whole sequence with no stored K/V ({@link TeacherForcing}). Row p
 * of the result is the next-token logits after position p, exactly what step-by-step recompute gives, in one pass.
 * The window variant's mask is checked on its own against the plain-Java reference (model's RingMaskReferenceTest).
 */
final class Oracle {
    private Oracle() {
    }

    /** Full causal attention: the {@code none} strategy's answer for every position, {@code [L][vocab]}. */
    static float[][] causal(Gpt2Model model, int[] sequence) {
        return TeacherForcing.causal(model, sequence);
    }

    /** Sliding window with sinks, applied to a full recompute: the reference a ring buffer must equal. */
    static float[][] window(Gpt2Model model, int[] sequence, int sinks, int window) {
        return TeacherForcing.window(model, sequence, sinks, window);
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
