package dev.kvlab.bench.jmh;

import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.PanelProbe;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.TorchRuntime;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One GPT-2 linear layer, {@code y = x W + b} for x {@code [rows, in]}, through each candidate op and weight layout,
 * on the shapes of every GPT-2 size: the measurement behind {@code Gpt2Model}'s choice of op per row count.
 * {@code width} is n_embd (768, 1024, 1280, 1600 for small, medium, large, xl); {@code layer} picks in x out:
 * qkv E x 3E, proj E x E, fc E x 4E, fc2 4E x E, lm_head E x 50257 (tied to wte, no bias).
 *
 * <p>Ops ({@code op}):
 * <ul>
 *   <li>{@code addmm}: HF Conv1D layout, weight {@code [in, out]}, {@code addmm(b, x, W)} (kvlab before issue 8).</li>
 *   <li>{@code linear}: weight stored {@code [out, in]} once, {@code linear(x, W, b)} (nn.Linear's layout).</li>
 *   <li>{@code addmv}: weight {@code [out, in]}, one {@code addmv(b, W, x_i)} per row (GEMV; rows = 1 is batch-1
 *       decode).</li>
 *   <li>{@code addmv_t}: weight {@code [in, out]}, one {@code addmv(b, W.t(), x_i)} per row (kvlab's GEMV path for
 *       M &lt;= 2 before the panel kernel, and still the path on plain weights).</li>
 *   <li>{@code panels}: the weight prepacked once into panels ({@code PanelProbe}, as the model packs at load) and
 *       kvlab's panel kernel ({@code PanelGemm}) at every row count, float32 only; {@code packed}: the same weights
 *       as the model uses them ({@code Linear}: the kernel up to its crossover, above it torch's GEMM on a
 *       temporary {@code [in, out]} copy made for the call).</li>
 *   <li>{@code mkldnn}: oneDNN's {@code mkldnn_linear} on {@code to_mkldnn} copies of W {@code [out, in]} and x,
 *       result back to a dense tensor (the conversion of x and y is part of the op, as it would be in the model).</li>
 * </ul>
 * {@code dtype} float32 or bfloat16 (weights, input and output). Each call reads the next of several weight copies
 * that together exceed the last-level cache ({@link #ROTATION_BYTES}), as a model's layers do. Mode: average time
 * per call in microseconds; one op per JMH invocation inside a PointerScope. The full grid is large; pick some with
 * {@code -p}, e.g. {@code kvlab jmh LinearBench -p width=768 -p dtype=float32}, or run the ops side by side in one
 * JVM, alternating call by call ({@code kvlab jmh --paired LinearBench}, {@link PairedLinear}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 300, timeUnit = TimeUnit.MILLISECONDS)
public class LinearBench extends AbstractKvlabBenchmark {
    /** GPT-2 vocabulary: the lm_head's output width. */
    static final int VOCAB = 50257;

    @Param({"768", "1024", "1280", "1600"})
    public int width;

    @Param({"qkv", "proj", "fc", "fc2", "lm_head"})
    public String layer;

    @Param({"1", "2", "4", "8", "16", "32", "64"})
    public int rows;

    @Param({"panels", "addmm", "addmv_t", "linear"})
    public String op;

    @Param({"float32", "bfloat16"})
    public String dtype;

    @Param({"2"})
    public int threads;

    /** Weight copies are cycled through until they total at least this much (4 x a 32 MiB LLC): a model's weights
     *  do not stay in cache between layers, so neither may the benchmark's. */
    static final long ROTATION_BYTES = 128L << 20;

    private Tensor x;         // [rows, in]
    private Tensor[] w;       // copies of [in, out] for addmm and addmv_t, [out, in] otherwise
    private Tensor[] wMkldnn; // copies of [out, in] as oneDNN tensors, for op=mkldnn
    private Tensor bias;      // [out]; lm_head has none in GPT-2, but one here keeps every op's call the same
    private int next;         // the copy the next call reads
    private PanelProbe panels; // op=panels or packed: the packed copies (w then holds none)

    @Setup(Level.Trial)
    public void setUp() {
        ComputeDType d = ComputeDType.parse(dtype);
        TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, threads, d));
        long[] io = inOut(layer, width);
        if (!java.util.List.of("addmm", "linear", "addmv", "addmv_t", "mkldnn", "panels", "packed").contains(op)) {
            throw new IllegalArgumentException("op must be panels, packed, addmm, linear, addmv, addmv_t or mkldnn, got "
                    + op);
        }
        boolean packs = op.equals("panels") || op.equals("packed");
        if (packs && d != ComputeDType.FLOAT32) {
            throw new IllegalArgumentException("op panels runs in float32 only, got dtype " + dtype);
        }
        torch.manual_seed(0);
        boolean convLayout = op.equals("addmm") || op.equals("addmv_t") || packs;
        int copies = (int) Math.max(1, (ROTATION_BYTES + io[0] * io[1] * d.bytes() - 1) / (io[0] * io[1] * d.bytes()));
        w = new Tensor[copies];
        wMkldnn = new Tensor[copies];
        for (int c = 0; c < copies; c++) {
            Tensor outIn = torch.randn(io[1], io[0]).mul(new Scalar(0.02)).to(d.scalarType());
            w[c] = convLayout ? outIn.t().contiguous() : outIn;
            wMkldnn[c] = op.equals("mkldnn") ? outIn.to_mkldnn() : null;
        }
        if (packs) {
            panels = new PanelProbe(threads);
            for (int c = 0; c < copies; c++) {
                panels.pack(w[c]);
                w[c].close();
                w[c] = null;
            }
        }
        x = torch.randn(rows, io[0]).to(d.scalarType());
        bias = torch.randn(io[1]).mul(new Scalar(0.02)).to(d.scalarType());
    }

    /** {in, out} of one GPT-2 linear layer of width {@code e}. */
    static long[] inOut(String layer, long e) {
        return switch (layer) {
            case "qkv" -> new long[] {e, 3 * e};
            case "proj" -> new long[] {e, e};
            case "fc" -> new long[] {e, 4 * e};
            case "fc2" -> new long[] {4 * e, e};
            case "lm_head" -> new long[] {e, VOCAB};
            default -> throw new IllegalArgumentException("layer must be qkv, proj, fc, fc2 or lm_head, got " + layer);
        };
    }

    @Benchmark
    public long call() {
        try (PointerScope scope = new PointerScope()) {
            return apply().size(1);
        }
    }

    private Tensor apply() {
        int c = next;
        next = (next + 1) % w.length;
        return switch (op) {
            case "addmm" -> torch.addmm(bias, x, w[c]);
            case "linear" -> torch.linear(x, w[c], new TensorOptional(bias));
            case "addmv" -> perRow(w[c]);
            case "addmv_t" -> perRow(w[c].t());
            case "panels" -> panels.apply(c, x, bias);
            case "packed" -> panels.applyRouted(c, x, bias);
            default -> torch.mkldnn_linear(x.to_mkldnn(), wMkldnn[c], new TensorOptional(bias)).to_dense();
        };
    }

    /** One GEMV per row with {@code m} {@code [out, in]} (a view for addmv_t). */
    private Tensor perRow(Tensor m) {
        if (rows == 1) {
            return torch.addmv(bias, m, x.select(0, 0)).unsqueeze(0);
        }
        Tensor y = x.new_empty(new long[] {rows, m.size(0)});
        for (int i = 0; i < rows; i++) {
            torch.addmv_out(y.select(0, i), bias, m, x.select(0, i));
        }
        return y;
    }

    /** Weight copies cycled through (together past the last-level cache). */
    int copies() {
        return w.length;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (panels != null) {
            panels.close();
        }
        for (Tensor[] ts : new Tensor[][] {w, wMkldnn, {x, bias}}) {
            for (Tensor t : ts) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }
}
