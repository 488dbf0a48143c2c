package dev.kvlab.model.torch;

import dev.kvlab.cache.CacheSpec;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One layer's decode-attention call outside the model, for benchmarks: a pool of random K/V, random queries for
 * the decode rows of a step (one-token chunks whose views a cache handed out) and the {@link DecodeAttention} of
 * the chosen path. {@link #run} is exactly the call the model makes per layer.
 *
 * <p>Owns its pool, tensors and threads ({@link #close}). Invariant: the step's decode rows are lowered once.
 */
public final class DecodeAttentionProbe implements AutoCloseable {
    private final TensorOwner owner = new TensorOwner();
    private final KvPool pool;
    private final KernelThreads threads;   // null off the CPU
    private final DecodeAttention attention;
    private final StepInputs step;
    private final Tensor q;     // [T, H, D], rows 3E apart as in the model
    private final Tensor out;   // [T, E]

    /**
     * @param spec  pool geometry (one layer is enough); float32 on the CPU
     * @param batch the step: one-token chunks, their slots granted by a cache over {@code spec}
     */
    public DecodeAttentionProbe(CacheSpec spec, ForwardBatch batch, Device device, AttentionOptions options) {
        int h = spec.numHeads();
        int d = spec.headDim();
        int t = batch.numRows();
        this.pool = new KvPool(spec, device, ComputeDType.FLOAT32);
        this.threads = device.is_cpu() ? new KernelThreads(Math.max(1, torch.get_num_threads())) : null;
        this.attention = new DecodeAttention(h, d, device, ComputeDType.FLOAT32, options, threads);
        if (!attention.takesDecodeRows()) {
            close();
            throw new IllegalArgumentException("the probe measures the decode-attention call (kernel or batched), not "
                    + options.decode());
        }
        try (PointerScope scope = new PointerScope()) {
            for (int l = 0; l < spec.numLayers(); l++) {
                pool.keys(l).copy_(torch.randn(spec.capacityTokens(), h, d));
                pool.values(l).copy_(torch.randn(spec.capacityTokens(), h, d));
            }
            Tensor qkv = owner.keep(torch.randn(t, 3L * h * d));
            this.q = owner.keep(qkv.narrow(1, 0, (long) h * d).view(t, h, d));
            this.out = owner.keep(torch.empty(t, (long) h * d));
        }
        this.step = new StepInputs(batch, device, true);
        if (step.decode.size() != t) {
            throw new IllegalArgumentException("every chunk of a probe step must be a decode row");
        }
        step.decodeIndex(0);   // built here, outside run()'s scope, so that it outlives every run

    }

    /** The path in use. */
    public DecodePath path() {
        return attention.path();
    }

    /** One layer's decode attention for every row of the step (layer 0). */
    public void run() {
        try (PointerScope scope = new PointerScope()) {
            attention.run(0, q, pool, step, out, new HeldStats[0]);
        }
    }

    /** Bytes of K and V one {@link #run} reads: keys of every row × heads × headDim × 4 × 2. */
    public long bytesRead() {
        long keys = 0;
        for (int i = 0; i < step.decode.size(); i++) {
            keys += step.decode.keys(i);
        }
        return keys * pool.spec().numHeads() * pool.spec().headDim() * Float.BYTES * 2;
    }

    @Override
    public void close() {
        if (threads != null) {
            threads.close();
        }
        pool.close();
        owner.close();
    }
}
