package dev.kvlab.model.torch;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.model.Gpt2Config;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;

/**
 * The teacher-forced forward pass: one pass over a whole sequence with nothing stored, giving the next-token logits
 * after every position at once (row p is what step-by-step generation computes after position p). The cache-free
 * oracle of the strategy tests and the ring-quality experiment both use it, so they measure the same thing.
 * Its tensors live in a {@link PointerScope} of its own; only the copied logits leave.
 */
public final class TeacherForcing {
    private TeacherForcing() {
    }

    /** Full causal attention: what {@code none}, {@code contiguous} and {@code paged} compute. {@code [L][vocab]} */
    public static float[][] causal(Gpt2Model model, int[] sequence) {
        return logits(model, sequence, new AttentionView.Recompute());
    }

    /**
     * The sliding-window-with-sinks rule of {@link AttentionView.Ring} applied to a full recompute: what a ring of
     * {@code window} slots with {@code sinks} sinks computes. {@code [L][vocab]}
     */
    public static float[][] window(Gpt2Model model, int[] sequence, int sinks, int window) {
        return logits(model, sequence, new AttentionView.Ring(new int[0], new int[0], sinks, window));
    }

    private static float[][] logits(Gpt2Model model, int[] sequence, AttentionView view) {
        Allocation.Granted nothingStored = new Allocation.Granted(new int[0], new int[0], view, List.of());
        SeqChunk chunk = new SeqChunk(sequence, 0, nothingStored, true);
        Gpt2Config c = model.config();
        CacheSpec empty = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), model.dtype().bytes(), 0, c.nPositions());
        try (PointerScope scope = new PointerScope(); KvPool none = new KvPool(empty, model.device(), model.dtype())) {
            float[] all = new HostCopy().floats(model.forwardAllRows(new ForwardBatch(List.of(chunk)), none));
            int vocab = c.vocabSize();                                                       // all: [L * vocab]
            float[][] rows = new float[sequence.length][];
            for (int p = 0; p < sequence.length; p++) {
                rows[p] = java.util.Arrays.copyOfRange(all, p * vocab, (p + 1) * vocab);
            }
            return rows;
        }
    }
}
