package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.StatsRequest;
import dev.kvlab.cache.StepStats;
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
 * The statistics of decode rows measured inside the one decode-attention call per layer (kernel and torch-ops paths)
 * against two oracles: a plain-Java double-precision softmax over each Held view's entries (by the view's own
 * definition, in entry order, not through {@link SlotRuns}), and {@link HeldAttention}, the per-chunk path the rows
 * took before. One step holds several Held decode rows of different lengths whose slots are fragmented and listed out
 * of storage order (so the runs reorder them), layers holding different entries (one layer sharing another's arrays),
 * attentionFrom at, before and after the token's position, key norms alone and with attention, and a decode row
 * asking nothing; also: asking nothing, or no collector, computes nothing.
 */
class DecodeStatsTest {
    private static final int SLOTS = 2048;
    private static final int LAYERS = 3;
    private static final double TOLERANCE = 1e-5;
    private static Device cpu;

    @BeforeAll
    static void init() {
        cpu = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
    }

    /** One decode row's chunk: its position, what it asks, and its per-layer view. */
    private record Row(int position, StatsRequest asked, AttentionView.Held view) {
    }

    @ParameterizedTest(name = "heads={0} headDim={1} threads={2} path={3}")
    @CsvSource({"4, 16, 1, KERNEL", "3, 20, 2, KERNEL", "12, 64, 3, KERNEL", "4, 16, 1, BATCHED",
            "3, 20, 2, BATCHED"})
    void decodeRowStatisticsEqualTheDoubleReferenceAndHeldAttention(int heads, int dim, int threads, DecodePath path) {
        Random r = new Random(heads * 131L + dim);
        torch.manual_seed(heads * 131L + dim);
        List<Row> rows = new ArrayList<>();
        boolean[] used = new boolean[SLOTS];
        // lengths 1 (only its own token), across a tile (64), over several tiles; attentionFrom at, below and above p
        rows.add(row(r, used, 1, 0, StatsRequest.attention(0)));
        rows.add(row(r, used, 70, 130, StatsRequest.attention(130)));            // TOVA: the current query (p)
        rows.add(row(r, used, 9, 40, StatsRequest.attention(20)));               // H2O: from the chunk's start (< p)
        rows.add(row(r, used, 30, 55, StatsRequest.attention(56)));              // after p: its query adds no mass (zeros)
        rows.add(row(r, used, 17, 200, StatsRequest.keyNormsOnly()));
        rows.add(row(r, used, 140, 300, new StatsRequest(0, true)));
        rows.add(row(r, used, 25, 90, StatsRequest.NONE));
        CacheSpec spec = new CacheSpec(LAYERS, heads, dim, 4, SLOTS, 1024);
        int t = rows.size();
        int e = heads * dim;
        try (PointerScope scope = new PointerScope();
             KernelThreads pool = new KernelThreads(threads);
             KvPool kv = new KvPool(spec, cpu, ComputeDType.FLOAT32)) {
            List<SeqChunk> chunks = new ArrayList<>();
            for (Row x : rows) {
                chunks.add(new SeqChunk(new int[] {1}, x.position(), new Allocation.Granted(new int[0], new int[0],
                        x.view(), List.of(), x.asked()), true));
            }
            Tensor qkv = torch.randn(t, 3L * e);                                           // [T, 3E]
            Tensor q = qkv.narrow(1, 0, e).view(t, heads, dim);                            // [T, H, D], strided
            Tensor k = qkv.narrow(1, e, e).view(t, heads, dim);                            // [T, H, D], strided
            StepInputs in = new StepInputs(new ForwardBatch(chunks), cpu, true);
            assertEquals(t, in.decode.size(), "every row, statistics or not, is a decode row");
            assertTrue(in.held.isEmpty());
            for (int l = 0; l < LAYERS; l++) {
                kv.keys(l).copy_(torch.randn(SLOTS, heads, dim));
                kv.values(l).copy_(torch.randn(SLOTS, heads, dim));
                StepInputs.Writes w = in.pre(l);                                           // each row's own key first
                kv.keys(l).index_copy_(0, w.slots(), k.index_select(0, w.rows()));
                kv.values(l).index_copy_(0, w.slots(), qkv.narrow(1, 2L * e, e).view(t, heads, dim)
                        .index_select(0, w.rows()));
            }
            DecodeAttention call = new DecodeAttention(heads, dim, cpu, ComputeDType.FLOAT32,
                    new AttentionOptions(path), pool);
            HeldStats[] got = collectors(rows);
            HeldStats[] perChunk = collectors(rows);
            for (int l = 0; l < LAYERS; l++) {
                Tensor out = torch.zeros(t, e);                                            // [T, E]
                call.run(l, q, kv, in, out, got);
                for (int i = 0; i < t; i++) {
                    HeldPlan p = HeldPlan.of(chunks.get(i), i, i, rows.get(i).view(), cpu);
                    Tensor want = HeldAttention.attend(l, p, q, k, kv, perChunk[i]);       // [1, E]
                    double diff = want.sub(out.narrow(0, i, 1)).abs().max().item_double();
                    assertTrue(diff < TOLERANCE, "layer " + l + " row " + i + ": output differs by " + diff);
                }
            }
            float[] qa = flat(q.contiguous());
            float[] ka = flat(k.contiguous());
            for (int i = 0; i < t; i++) {
                Row x = rows.get(i);
                StepStats s = got[i] == null ? StepStats.NONE : got[i].toStepStats();
                StepStats oracle = perChunk[i] == null ? StepStats.NONE : perChunk[i].toStepStats();
                s.requireShape(x.asked(), x.view(), 1, heads);
                for (int l = 0; l < LAYERS && x.asked().wantsAttention(); l++) {
                    double[][] ref = x.position() >= x.asked().attentionFrom()
                            ? referenceProbs(x, l, qa, flat(kv.keys(l)), i, heads, dim)
                            : new double[heads][x.view().numHeld(l)];
                    assertClose(ref, s.attention()[l], "row " + i + " layer " + l + " vs double reference");
                    assertClose(toDouble(oracle.attention()[l]), s.attention()[l],
                            "row " + i + " layer " + l + " vs HeldAttention");
                }
                for (int l = 0; l < LAYERS && x.asked().keyNorms(); l++) {
                    double[][] ref = new double[heads][1];
                    for (int h = 0; h < heads; h++) {
                        double sq = 0;
                        for (int d = 0; d < dim; d++) {
                            double v = ka[(i * heads + h) * dim + d];
                            sq += v * v;
                        }
                        ref[h][0] = Math.sqrt(sq);
                    }
                    assertClose(ref, s.keyNorms()[l], "row " + i + " layer " + l + " key norms");
                    assertClose(toDouble(oracle.keyNorms()[l]), s.keyNorms()[l], "row " + i + " key norms vs HeldAttention");
                }
            }
            // nobody reads the statistics: none are computed, the output is the same
            Tensor plain = torch.zeros(t, e);
            call.run(0, q, kv, in, plain, new HeldStats[0]);
            Tensor measured = torch.zeros(t, e);
            call.run(0, q, kv, in, measured, collectors(rows));
            assertTrue(plain.sub(measured).abs().max().item_double() < TOLERANCE);
        }
    }

    /** Rows that ask nothing carry no statistics in their lowering: they cost nothing. */
    @org.junit.jupiter.api.Test
    void rowsAskingNothingLowerWithoutStatistics() {
        Random r = new Random(5);
        Row x = row(r, new boolean[SLOTS], 12, 40, StatsRequest.NONE);
        SeqChunk c = new SeqChunk(new int[] {1}, x.position(), new Allocation.Granted(new int[0], new int[0],
                x.view(), List.of(), x.asked()), true);
        try (PointerScope scope = new PointerScope()) {
            StepInputs in = new StepInputs(new ForwardBatch(List.of(c)), cpu, true);
            for (int l = 0; l < LAYERS; l++) {
                assertNull(in.decode(l).stats());
            }
            Row y = row(r, new boolean[SLOTS], 12, 40, StatsRequest.attention(40));
            StepInputs withStats = new StepInputs(new ForwardBatch(List.of(new SeqChunk(new int[] {1}, y.position(),
                    new Allocation.Granted(new int[0], new int[0], y.view(), List.of(), y.asked()), true))), cpu, true);
            assertNotNull(withStats.decode(0).stats());
        }
    }

    private static HeldStats[] collectors(List<Row> rows) {
        HeldStats[] out = new HeldStats[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = rows.get(i).asked().wantsAny() ? new HeldStats(rows.get(i).asked(), LAYERS) : null;
        }
        return out;
    }

    /**
     * A Held view for the token at {@code p} holding {@code n} entries per layer (its own last): earlier positions
     * drawn at random per layer (layer 2 shares layer 0's arrays), on free slots drawn at random, so entries are
     * neither in position nor in slot order and runs are fragmented.
     */
    private static Row row(Random r, boolean[] used, int n, int p, StatsRequest asked) {
        int[][] slots = new int[LAYERS][];
        int[][] positions = new int[LAYERS][];
        for (int l = 0; l < LAYERS; l++) {
            if (l == 2) {
                slots[l] = slots[0];
                positions[l] = positions[0];
                continue;
            }
            List<Integer> earlier = new ArrayList<>();
            for (int j = 0; j < p; j++) {
                earlier.add(j);
            }
            java.util.Collections.shuffle(earlier, r);
            slots[l] = new int[n];
            positions[l] = new int[n];
            for (int i = 0; i < n; i++) {
                positions[l][i] = i == n - 1 ? p : earlier.get(i);
                int s;
                do {
                    s = r.nextInt(10) < 7 && i > 0 && slots[l][i - 1] + 1 < SLOTS && !used[slots[l][i - 1] + 1]
                            ? slots[l][i - 1] + 1 : r.nextInt(SLOTS);   // some runs of consecutive slots
                } while (used[s]);
                used[s] = true;
                slots[l][i] = s;
            }
        }
        return new Row(p, asked, new AttentionView.Held(slots, positions));
    }

    /** softmax(q k^T / sqrt(D)) of row i's query over the entries of its view in layer l, in entry order. */
    private static double[][] referenceProbs(Row x, int l, float[] q, float[] poolK, int i, int heads, int dim) {
        int[] slots = x.view().slots()[l];
        double[][] out = new double[heads][slots.length];
        for (int h = 0; h < heads; h++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < slots.length; j++) {
                double dot = 0;
                for (int d = 0; d < dim; d++) {
                    dot += (double) q[(i * heads + h) * dim + d] * poolK[(slots[j] * heads + h) * dim + d];
                }
                out[h][j] = dot / Math.sqrt(dim);
                max = Math.max(max, out[h][j]);
            }
            double sum = 0;
            for (int j = 0; j < slots.length; j++) {
                out[h][j] = Math.exp(out[h][j] - max);
                sum += out[h][j];
            }
            for (int j = 0; j < slots.length; j++) {
                out[h][j] /= sum;
            }
        }
        return out;
    }

    private static void assertClose(double[][] want, float[][] got, String what) {
        assertEquals(want.length, got.length, what + ": heads");
        for (int h = 0; h < want.length; h++) {
            assertEquals(want[h].length, got[h].length, what + ": keys");
            for (int j = 0; j < want[h].length; j++) {
                assertEquals(want[h][j], got[h][j], TOLERANCE, what + " head " + h + " key " + j);
            }
        }
    }

    private static double[][] toDouble(float[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = a[i][j];
            }
        }
        return out;
    }

    private static float[] flat(Tensor t) {
        float[] a = new float[(int) t.numel()];
        t.contiguous().data_ptr_float().get(a);
        return a;
    }
}
