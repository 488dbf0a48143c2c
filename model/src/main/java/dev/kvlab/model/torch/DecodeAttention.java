package dev.kvlab.model.torch;

import java.nio.FloatBuffer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * One decode-attention call per layer for all decode rows of a step (chunks of one token), reading K/V in place
 * through each view's slot runs ({@link DecodeRows}, lowered by {@link SlotRuns}). Chooses, once, between kvlab's
 * CPU kernel ({@link DecodeKernel}: CPU, float32, jdk.incubator.vector enabled) and the torch-ops path
 * ({@link BatchedDecode}: CUDA, bf16/fp16 pools, or a JVM without the vector module), or turns itself off
 * ({@link DecodePath#PER_CHUNK}: decode rows go through the per-chunk SDPA path with the prefill chunks).
 *
 * <p>The kernel runs on the model's {@link KernelThreads} (lent by the weights' owner). Invariant: {@link #path} is
 * never AUTO.
 */
final class DecodeAttention {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private final DecodePath path;
    private final DecodeKernel kernel;        // null unless path == KERNEL

    /** @param threads the CPU kernels' threads (borrowed; null off the CPU) */
    DecodeAttention(int heads, int headDim, Device device, ComputeDType dtype, AttentionOptions options,
                    KernelThreads threads) {
        this.path = resolve(options.decode(), device, dtype);
        this.kernel = path == DecodePath.KERNEL ? new DecodeKernel(heads, headDim, threads) : null;
    }

    DecodePath path() {
        return path;
    }

    /** Whether one-token chunks go through {@link #run} (else through the per-chunk path). */
    boolean takesDecodeRows() {
        return path != DecodePath.PER_CHUNK;
    }

    /**
     * Attention of every decode row of the step in layer {@code l}; the rows' own K/V are already in the pool.
     *
     * @param q   {@code [T, H, D]} this step's queries (rows may be strided)
     * @param out   {@code [T, H * D]} contiguous: the decode rows are written, the other rows untouched
     * @param stats per chunk of the step, where its statistics go (null entries, or an empty array: nobody reads
     *              them, and then none are computed)
     */
    void run(int l, Tensor q, KvPool pool, StepInputs in, Tensor out, HeldStats[] stats) {
        Tensor k = pool.keys(l);
        Tensor v = pool.values(l);
        DecodeRows rows = in.decode(l);
        DecodeStats st = rows.stats() != null && stats.length > 0 ? rows.stats() : null;
        int heads = (int) q.size(1);
        if (path == DecodePath.KERNEL && k.numel() <= Integer.MAX_VALUE / Float.BYTES) {
            FloatBuffer poolK = floats(k, k.size(0));
            kernel.run(rows, new DecodeKernel.Operands(floats(q, in.numRows), (int) q.stride(0),
                    poolK, floats(v, v.size(0)), floats(out, in.numRows), (int) out.stride(0)),
                    st != null && st.anyAttends() ? st : null);
            if (st != null) {
                st.deliver(l, heads, stats, in.decodeChunks(), kernel.probabilities(), DecodeKernel.layout(st, heads),
                        st.anyKeyNorms() ? st.keyNorms(poolK, heads, (int) q.size(2)) : null);
            }
        } else {
            BatchedDecode.Index ix = in.decodeIndex(l);
            float[] p = BatchedDecode.attend(st == null ? ix.withoutStats() : ix, q, k, v, out);
            if (st != null) {
                st.deliver(l, heads, stats, in.decodeChunks(), p, BatchedDecode.layout(st, heads, ix.maxKeys()),
                        BatchedDecode.keyNorms(ix, k));
            }
        }
    }

    /**
     * The native memory of the first {@code rows} rows of {@code t}: {@code [rows, H, D]} or {@code [rows, H * D]},
     * rows any stride apart, the rest contiguous.
     */
    private static FloatBuffer floats(Tensor t, long rows) {
        long inner = t.numel() / Math.max(1, t.size(0));
        if (t.stride(t.dim() - 1) != 1 || t.dim() == 3 && t.stride(1) != t.size(2) || t.stride(0) < inner) {
            throw new IllegalStateException("the decode kernel needs rows of contiguous heads");
        }
        return t.data_ptr_float().capacity((rows - 1) * t.stride(0) + inner).asBuffer();
    }

    private static DecodePath resolve(DecodePath asked, Device device, ComputeDType dtype) {
        boolean cpu = device.is_cpu();
        boolean vector = ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
        boolean kernelRuns = cpu && dtype == ComputeDType.FLOAT32 && vector;
        if (asked == DecodePath.KERNEL && !kernelRuns) {
            throw new IllegalArgumentException("the decode kernel runs on the CPU in float32 with --add-modules "
                    + VECTOR_MODULE + "; here: device " + device.str().getString() + ", " + dtype
                    + (vector ? "" : ", module not enabled"));
        }
        if (asked != DecodePath.AUTO) {
            return asked;
        }
        if (cpu && dtype == ComputeDType.FLOAT32 && !vector) {
            System.err.println("kvlab: warning: the JVM was started without --add-modules " + VECTOR_MODULE
                    + "; decode attention falls back to torch ops (slower on CPU). ./kvlab adds it.");
        }
        return kernelRuns ? DecodePath.KERNEL : DecodePath.BATCHED;
    }
}
