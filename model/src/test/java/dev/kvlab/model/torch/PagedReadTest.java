package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The paged read path against the contiguous one on the same tokens: a block table that is one run of consecutive
 * blocks (read as a zero-copy narrow) and tables that are not (read by the gather: a few runs, shuffled blocks,
 * descending ids), through chunked prefill and 50 decode steps, four sequences of different layouts in every step.
 * Logits must agree within 1e-5.
 */
class PagedReadTest {
    private static final int BS = 4;
    private static final int TOKENS = 90;          // prefill 40 in chunks of 20, then 50 decode steps
    private static final int PREFILL = 40;
    private static final int CHUNK = 20;
    private static Gpt2Model model;

    @BeforeAll
    static void load() {
        Device cpu = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        try (TensorSource src = FormulaWeights.of(Gpt2Config.preset("tiny"), 0)) {
            model = new Gpt2Model(src, cpu, ComputeDType.FLOAT32);
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void oneRunMeansConsecutiveBlockIds() {
        assertTrue(StepInputs.isOneRun(new int[] {7}));
        assertTrue(StepInputs.isOneRun(new int[] {3, 4, 5, 6}));
        assertFalse(StepInputs.isOneRun(new int[] {3, 4, 6}));
        assertFalse(StepInputs.isOneRun(new int[] {5, 4}), "descending ids are not consecutive slots");
        assertFalse(StepInputs.isOneRun(new int[0]));
    }

    @Test
    void everyLayoutEqualsContiguous() {
        int blocks = (TOKENS + BS - 1) / BS;                       // 23
        Random r = new Random(5);
        int[] oneRun = range(30, blocks);
        int[] fewRuns = concat(range(100, 7), range(60, 5), range(0, 1), range(80, 10));     // 4 runs
        int[] shuffled = shuffled(range(200, blocks), r);
        int[] descending = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            descending[i] = 299 - i;                               // 23 one-block runs
        }
        List<int[]> layouts = List.of(oneRun, fewRuns, shuffled, descending);
        int[][] tokens = new int[layouts.size()][];
        for (int s = 0; s < tokens.length; s++) {
            tokens[s] = r.ints(TOKENS, 0, 50000).toArray();
        }
        List<float[]> paged = run(layouts, tokens, true);
        List<float[]> contiguous = run(layouts, tokens, false);
        assertEquals(contiguous.size(), paged.size());
        double worst = 0;
        for (int i = 0; i < paged.size(); i++) {
            for (int j = 0; j < paged.get(i).length; j++) {
                worst = Math.max(worst, Math.abs(paged.get(i)[j] - contiguous.get(i)[j]));
            }
        }
        assertTrue(worst <= 1e-5, "paged logits differ from contiguous by " + worst);
    }

    /** Prefill in chunks, then decode, all sequences in every step; the logits of every decode step, in order. */
    private static List<float[]> run(List<int[]> layouts, int[][] tokens, boolean paged) {
        Gpt2Config c = model.config();
        int capacity = 300 * BS;
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), 4, capacity, c.nPositions());
        List<float[]> out = new ArrayList<>();
        try (KvPool pool = new KvPool(spec, model.device(), model.dtype())) {
            int from = 0;
            while (from < TOKENS) {
                int to = from < PREFILL ? Math.min(PREFILL, from + CHUNK) : from + 1;
                List<SeqChunk> chunks = new ArrayList<>();
                for (int s = 0; s < layouts.size(); s++) {
                    Allocation.Granted g = paged ? pagedGrant(layouts.get(s), from, to)
                            : contiguousGrant(s * (capacity / layouts.size()), from, to);
                    chunks.add(SeqChunk.of(Arrays.copyOf(tokens[s], to), from, g, to > PREFILL));
                }
                try (PointerScope scope = new PointerScope()) {
                    Tensor logits = model.forward(new ForwardBatch(chunks), pool);
                    if (to > PREFILL) {
                        float[] v = new float[(int) logits.numel()];
                        logits.contiguous().data_ptr_float().get(v);
                        out.add(v);
                    }
                }
                from = to;
            }
        }
        return out;
    }

    private static Allocation.Granted pagedGrant(int[] table, int from, int to) {
        int[] slots = new int[to - from];
        for (int p = from; p < to; p++) {
            slots[p - from] = table[p / BS] * BS + p % BS;
        }
        int[] held = Arrays.copyOf(table, (to + BS - 1) / BS);
        return new Allocation.Granted(slots, range(0, to - from), new AttentionView.Paged(held, BS, to), List.of());
    }

    private static Allocation.Granted contiguousGrant(int base, int from, int to) {
        return new Allocation.Granted(range(base + from, to - from), range(0, to - from),
                new AttentionView.Contiguous(base, to), List.of());
    }

    private static int[] range(int start, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = start + i;
        }
        return a;
    }

    private static int[] concat(int[]... parts) {
        int[] out = new int[0];
        for (int[] p : parts) {
            int n = out.length;
            out = Arrays.copyOf(out, n + p.length);
            System.arraycopy(p, 0, out, n, p.length);
        }
        return out;
    }

    private static int[] shuffled(int[] a, Random r) {
        int[] b = a.clone();
        for (int i = b.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
        return b;
    }
}
