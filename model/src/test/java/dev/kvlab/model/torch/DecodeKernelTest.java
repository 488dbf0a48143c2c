package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.SeqId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decode-attention kernel and the batched torch-ops path against a plain-Java double-precision attention on
 * random K/V, for decode rows whose views come from the real caches: paged block tables fragmented by growing
 * several sequences in lockstep, rings before, at and after wraparound (with and without sinks), and contiguous
 * slabs, all in one call. The reference finds each row's keys from the view's own definition (AttentionView's
 * javadoc), not from {@link SlotRuns}.
 */
class DecodeKernelTest {
    private static final int SLOTS = 4096;
    private static Device cpu;

    @BeforeAll
    static void init() {
        cpu = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
    }

    @ParameterizedTest(name = "heads={0} headDim={1} threads={2}")
    @CsvSource({"4, 16, 1", "12, 64, 3", "3, 20, 2", "2, 8, 4"})
    void kernelAndBatchedEqualDoubleReference(int heads, int headDim, int threads) {
        Random r = new Random(heads * 31L + headDim);
        torch.manual_seed(heads * 31L + headDim);   // randn below: the same inputs whatever ran before in this JVM
        CacheSpec spec = new CacheSpec(1, heads, headDim, 4, SLOTS, 1024);
        List<SeqChunk> rows = new ArrayList<>();
        rows.addAll(decodeRows("paged", spec, CacheOptions.DEFAULTS.withBlockSize(4), new int[] {37, 5, 70, 1}, r));
        rows.addAll(decodeRows("ring", spec, CacheOptions.DEFAULTS.withWindow(16, 4), new int[] {15, 16, 17, 59}, r));
        rows.addAll(decodeRows("ring", spec, CacheOptions.DEFAULTS.withWindow(7, 0), new int[] {3, 30}, r));
        rows.addAll(decodeRows("contiguous", spec, CacheOptions.DEFAULTS, new int[] {1, 33, 300}, r));
        int e = heads * headDim;
        try (PointerScope scope = new PointerScope();
             KernelThreads pool = new KernelThreads(threads)) {
            Tensor qkv = torch.randn(rows.size(), 3L * e);                                  // [T, 3E]
            Tensor q = qkv.narrow(1, 0, e).view(rows.size(), heads, headDim);               // [T, H, D], strided
            Tensor k = torch.randn(SLOTS, heads, headDim);                                  // [slots, H, D]
            Tensor v = torch.randn(SLOTS, heads, headDim);                                  // [slots, H, D]
            DecodeRows d = lower(rows);
            double[][] want = reference(rows, q, k, v, heads, headDim);

            Tensor outKernel = torch.zeros(rows.size(), e);                                 // [T, E]
            new DecodeKernel(heads, headDim, pool).run(d, new DecodeKernel.Operands(
                    q.data_ptr_float().capacity((rows.size() - 1) * 3L * e + e).asBuffer(), 3 * e,
                    k.data_ptr_float().capacity(k.numel()).asBuffer(), v.data_ptr_float().capacity(v.numel()).asBuffer(),
                    outKernel.data_ptr_float().capacity(outKernel.numel()).asBuffer(), e));
            assertClose(want, toArray(outKernel, rows.size(), e), "kernel");

            Tensor outBatched = torch.zeros(rows.size(), e);                                // [T, E]
            BatchedDecode.attend(BatchedDecode.index(d, cpu), q, k, v, outBatched);
            assertClose(want, toArray(outBatched, rows.size(), e), "batched");
        }
    }

    /** The runs are exactly each row's keys, in storage order, merged where consecutive. */
    @ParameterizedTest(name = "window={0} sinks={1}")
    @CsvSource({"16, 4", "5, 0", "1, 0", "8, 7"})
    void ringRunsAreTheVisibleSlotsInStorageOrder(int window, int sinks) {
        CacheSpec spec = new CacheSpec(1, 1, 1, 4, 64, 1024);
        for (int p = 1; p < 4 * window + 3; p++) {
            SeqChunk c = decodeRows("ring", spec, CacheOptions.DEFAULTS.withWindow(window, sinks), new int[] {p},
                    new Random(p)).get(0);
            DecodeRows d = lower(List.of(c));
            int[] want = keySlots(c).stream().mapToInt(Integer::intValue).sorted().toArray();
            assertArrayEquals(want, expand(d, 0), "position " + p);
            for (int run = 1; run < d.runStarts().length; run++) {
                assertTrue(d.runStarts()[run] > d.runStarts()[run - 1] + d.runLengths()[run - 1],
                        "runs are merged when consecutive");
            }
        }
    }

    /**
     * A per-layer view (Held, as eviction hands out) lowers per layer: each layer's decode rows are that layer's held
     * slots in storage order, each layer writes the token to its own slot first, and the kernel over layer 1's runs
     * equals the double reference over layer 1's slots.
     */
    @org.junit.jupiter.api.Test
    void heldViewsLowerPerLayer() {
        int heads = 2;
        int dim = 8;
        int p = 9;   // the decode token's position; layer 0 holds 0..9, layer 1 evicted 2, 3 and 5
        int[][] slots = {{40, 41, 42, 43, 44, 45, 46, 47, 48, 60}, {7, 3, 9, 12, 13, 14, 2}};
        int[][] positions = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {0, 1, 4, 6, 7, 8, 9}};
        AttentionView.Held held = new AttentionView.Held(slots, positions);
        SeqChunk c = new SeqChunk(new int[] {5}, p, new Allocation.Granted(new int[0], new int[0], held,
                List.of()), true);
        SeqChunk other = decodeRows("contiguous", new CacheSpec(2, heads, dim, 4, 2048, 1024), CacheOptions.DEFAULTS,
                new int[] {20}, new Random(3)).get(0);
        try (PointerScope scope = new PointerScope(); KernelThreads pool = new KernelThreads(2)) {
            StepInputs in = new StepInputs(new ForwardBatch(List.of(other, c)), cpu, true);
            assertArrayEquals(new int[] {40, 41, 42, 43, 44, 45, 46, 47, 48, 60}, expand(in.decode(0), 1));
            assertArrayEquals(new int[] {2, 3, 7, 9, 12, 13, 14}, expand(in.decode(1), 1));
            assertArrayEquals(expand(in.decode(0), 0), expand(in.decode(1), 0), "a contiguous row is the same in every layer");
            assertArrayEquals(new long[] {other.granted().writeSlots()[0], 60}, longs(in.pre(0).slots()));
            assertArrayEquals(new long[] {other.granted().writeSlots()[0], 2}, longs(in.pre(1).slots()));

            Tensor q = torch.randn(2, heads, dim);                                          // [T, H, D]
            Tensor k = torch.randn(2048, heads, dim);                                       // [slots, H, D]
            Tensor v = torch.randn(2048, heads, dim);                                       // [slots, H, D]
            Tensor out = torch.zeros(2, heads * dim);                                       // [T, E]
            new DecodeKernel(heads, dim, pool).run(in.decode(1), new DecodeKernel.Operands(
                    q.data_ptr_float().capacity(q.numel()).asBuffer(), heads * dim,
                    k.data_ptr_float().capacity(k.numel()).asBuffer(), v.data_ptr_float().capacity(v.numel()).asBuffer(),
                    out.data_ptr_float().capacity(out.numel()).asBuffer(), heads * dim));
            List<List<Integer>> keys = List.of(keySlots(other), List.of(7, 3, 9, 12, 13, 14, 2));
            assertClose(referenceOver(keys, q, k, v, heads, dim), toArray(out, 2, heads * dim), "kernel, layer 1");
        }
    }

    private static long[] longs(Tensor t) {
        long[] a = new long[(int) t.numel()];
        t.contiguous().data_ptr_long().get(a);
        return a;
    }

    /**
     * Grows {@code ends.length} sequences in lockstep (one token each per round, so paged blocks interleave) until
     * sequence i has seen {@code ends[i] - 1} tokens, then returns each one's decode chunk for position
     * {@code ends[i] - 1}, in order. A fresh cache per call.
     */
    private static List<SeqChunk> decodeRows(String strategy, CacheSpec spec, CacheOptions o, int[] ends, Random r) {
        KvCache cache = KvCacheRegistry.create(strategy, spec, o);
        SeqId[] seqs = new SeqId[ends.length];
        SeqChunk[] out = new SeqChunk[ends.length];
        int max = 0;
        for (int i = 0; i < ends.length; i++) {
            seqs[i] = new SeqId(i + 1 + r.nextInt(1000) * 16);
            max = Math.max(max, ends[i]);
        }
        for (int p = 0; p < max; p++) {
            for (int i = 0; i < ends.length; i++) {
                if (p < ends[i]) {
                    int[] seen = r.ints(p + 1, 0, 50000).toArray();
                    Allocation a = cache.allocate(new AllocRequest(seqs[i], seen, 1, 1024));
                    out[i] = SeqChunk.of(seen, p, (Allocation.Granted) a, true);
                }
            }
        }
        return List.of(out);
    }

    private static DecodeRows lower(List<SeqChunk> rows) {
        DecodeRows.Builder b = new DecodeRows.Builder();
        for (int i = 0; i < rows.size(); i++) {
            b.beginRow(i);
            SlotRuns.lower(rows.get(i), b);
        }
        return b.build();
    }

    private static int[] expand(DecodeRows d, int i) {
        List<Integer> slots = new ArrayList<>();
        for (int run = d.runOffsets()[i]; run < d.runOffsets()[i + 1]; run++) {
            for (int s = 0; s < d.runLengths()[run]; s++) {
                slots.add(d.runStarts()[run] + s);
            }
        }
        return slots.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The slots the token at {@code c.firstPosition()} attends to, by the view's definition, after the write. */
    private static List<Integer> keySlots(SeqChunk c) {
        AttentionView view = c.granted().view();
        int p = c.firstPosition();
        List<Integer> slots = new ArrayList<>();
        if (view instanceof AttentionView.Contiguous v) {
            for (int j = 0; j <= p; j++) {
                slots.add(v.baseSlot() + j);
            }
        } else if (view instanceof AttentionView.Paged v) {
            for (int j = 0; j <= p; j++) {
                slots.add(v.blockTable()[j / v.blockSize()] * v.blockSize() + j % v.blockSize());
            }
        } else if (view instanceof AttentionView.Ring v) {
            for (int i = 0; i < v.slots().length; i++) {
                int j = v.positions()[i];
                if (j < v.sinks() || j > p - (v.window() - v.sinks())) {
                    slots.add(v.slots()[i]);
                }
            }
            slots.add(c.granted().writeSlots()[0]);
        }
        return slots;
    }

    /** softmax(q k^T / sqrt(D)) v per row and head, in double. */
    private static double[][] reference(List<SeqChunk> rows, Tensor q, Tensor k, Tensor v, int heads, int dim) {
        List<List<Integer>> keys = new ArrayList<>();
        rows.forEach(c -> keys.add(keySlots(c)));
        return referenceOver(keys, q, k, v, heads, dim);
    }

    /** The same, for rows whose keys are the given slots. */
    private static double[][] referenceOver(List<List<Integer>> keys, Tensor q, Tensor k, Tensor v, int heads, int dim) {
        float[] qa = flat(q.contiguous());
        float[] ka = flat(k);
        float[] va = flat(v);
        double[][] out = new double[keys.size()][heads * dim];
        for (int i = 0; i < keys.size(); i++) {
            List<Integer> slots = keys.get(i);
            for (int h = 0; h < heads; h++) {
                double[] s = new double[slots.size()];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < s.length; j++) {
                    for (int d = 0; d < dim; d++) {
                        s[j] += (double) qa[(i * heads + h) * dim + d] * ka[(slots.get(j) * heads + h) * dim + d];
                    }
                    s[j] /= Math.sqrt(dim);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < s.length; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j < s.length; j++) {
                    for (int d = 0; d < dim; d++) {
                        out[i][h * dim + d] += s[j] / sum * va[(slots.get(j) * heads + h) * dim + d];
                    }
                }
            }
        }
        return out;
    }

    private static void assertClose(double[][] want, float[][] got, String what) {
        // Relative to each row's largest output: an element near zero carries float rounding of the row's scale
        // (a 1e-3 floor per element made the test flaky at ~1.3e-7 absolute on outputs of ~0.05).
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double scale = 1e-12;
            for (double x : want[i]) {
                scale = Math.max(scale, Math.abs(x));
            }
            for (int x = 0; x < want[i].length; x++) {
                worst = Math.max(worst, Math.abs(want[i][x] - got[i][x]) / scale);
            }
        }
        double w = worst;
        assertTrue(worst <= 1e-5, () -> what + " differs from the double reference by " + w + " (of the row's scale)");
    }

    private static float[] flat(Tensor t) {
        float[] a = new float[(int) t.numel()];
        t.contiguous().data_ptr_float().get(a);
        return a;
    }

    private static float[][] toArray(Tensor t, int rows, int width) {
        float[] a = flat(t);
        float[][] out = new float[rows][width];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(a, i * width, out[i], 0, width);
        }
        return out;
    }
}
