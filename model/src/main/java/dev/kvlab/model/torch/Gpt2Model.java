package dev.kvlab.model.torch;

import dev.kvlab.cache.Allocation.SlotCopy;
import dev.kvlab.cache.StepStats;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * GPT-2 forward pass over one step's batch of chunks, reading and writing K/V through the cache's plain-data
 * answers. Shapes: T = rows of the step, E = n_embd, H = heads, D = head dim, S = rows that produce logits.
 * Linear layers see all T rows at once. Attention: one {@link DecodeAttention} call per layer for all decode rows
 * (one-token chunks), reading K/V in place (a {@code Held} view's decode row with its own slots per layer, and the
 * statistics it asks for, {@link DecodeStats}); one SDPA per other chunk over that chunk's own keys; the other chunks
 * with a {@code Held} view (eviction policies: prefill chunks; every Held chunk when decode rows are off, as for int8
 * pools) through {@link HeldAttention}, per layer, measuring what their grant asked.
 *
 * <p>Call {@link #forward} inside a {@code PointerScope}: every per-step tensor, the returned logits included,
 * belongs to it. The weights (and with them the CPU kernels' threads) belong to this object ({@link #close}).
 */
public final class Gpt2Model implements AutoCloseable {
    private final DeviceWeights weights;
    private final Gpt2Config config;
    private final Device device;
    private final ComputeDType dtype;
    private final DecodeAttention decode;

    public Gpt2Model(TensorSource source, Device device, ComputeDType dtype) {
        this(source, device, dtype, AttentionOptions.DEFAULTS);
    }

    public Gpt2Model(TensorSource source, Device device, ComputeDType dtype, AttentionOptions attention) {
        this(source, device, dtype, attention, LinearPath.AUTO);
    }

    public Gpt2Model(TensorSource source, Device device, ComputeDType dtype, AttentionOptions attention,
                     LinearPath linear) {
        this.weights = new DeviceWeights(source, device, dtype, linear);
        this.config = source.config();
        this.device = device;
        this.dtype = dtype;
        this.decode = new DecodeAttention(config.nHead(), config.headDim(), device, dtype, attention,
                weights.kernelThreads());
    }

    /** The linear path in use (never AUTO). */
    public LinearPath linearPath() {
        return weights.linearPath();
    }

    /** Bytes of the weights as stored ({@link DeviceWeights#bytes}). */
    public long weightBytes() {
        return weights.bytes();
    }

    /** The decode-attention path in use (never AUTO). */
    public DecodePath decodePath() {
        return decode.path();
    }

    public Gpt2Config config() {
        return config;
    }

    public Device device() {
        return device;
    }

    public ComputeDType dtype() {
        return dtype;
    }

    /**
     * Runs one step.
     *
     * @param pool the KV pool (for a strategy that stores nothing, one of 0 slots)
     * @return logits {@code [S, vocab]} float32, one row per chunk with {@code wantLogits}, in chunk order
     */
    public Tensor forward(ForwardBatch batch, KvPool pool) {
        return run(batch, pool, false, null);
    }

    /**
     * Runs one step and measures what the chunks' grants asked for ({@code Granted.stats}).
     *
     * @param statsOut one entry per chunk, filled with its statistics ({@code StepStats.NONE} when it asked for none),
     *                 for the caller to hand to {@code KvCache.observe}
     */
    public Tensor forward(ForwardBatch batch, KvPool pool, StepStats[] statsOut) {
        if (statsOut.length != batch.chunks().size()) {
            throw new IllegalArgumentException("statsOut needs one entry per chunk");
        }
        return run(batch, pool, false, statsOut);
    }

    /**
     * Runs one step and returns logits for every row, not only the sampling ones: {@code [T, vocab]} float32.
     * With a recompute view over a whole sequence this is teacher forcing: the next-token logits of every position
     * in one pass (the oracle for cached generation, and the way to score a strategy's quality).
     */
    public Tensor forwardAllRows(ForwardBatch batch, KvPool pool) {
        return run(batch, pool, true, null);
    }

    /**
     * {@link #forwardAllRows(ForwardBatch, KvPool)} that also measures what the chunks' grants asked for, as
     * {@link #forward(ForwardBatch, KvPool, StepStats[])} does: teacher forcing through a policy that evicts.
     */
    public Tensor forwardAllRows(ForwardBatch batch, KvPool pool, StepStats[] statsOut) {
        if (statsOut.length != batch.chunks().size()) {
            throw new IllegalArgumentException("statsOut needs one entry per chunk");
        }
        return run(batch, pool, true, statsOut);
    }

    private Tensor run(ForwardBatch batch, KvPool pool, boolean allRows, StepStats[] statsOut) {
        java.util.Objects.requireNonNull(pool, "pool");
        checkPositions(batch);
        try (NoGradGuard noAutograd = new NoGradGuard()) {
            applyCopies(batch, pool);
            boolean inv = batch.batchInvariant();
            // no decode kernel on an int8 pool: the kernels read K/V as the compute dtype (Int8Kv dequantizes)
            boolean decodeRows = decode.takesDecodeRows() && !inv && !pool.quantized();
            StepInputs in = new StepInputs(batch, device, decodeRows);
            HeldStats[] stats = statsFor(in, statsOut);
            Tensor logits = layers(in, pool, allRows, inv, stats);
            if (statsOut != null) {
                for (int i = 0; i < statsOut.length; i++) {
                    statsOut[i] = stats[i] == null ? StepStats.NONE : stats[i].toStepStats();
                }
            }
            return logits;
        }
    }

    /** One collector per chunk that asked for statistics (null elsewhere, and everywhere without {@code out}). */
    private HeldStats[] statsFor(StepInputs in, StepStats[] out) {
        HeldStats[] stats = new HeldStats[out == null ? 0 : out.length];
        if (out != null) {
            for (HeldPlan p : in.held) {
                if (p.stats().wantsAny()) {
                    stats[p.chunkIndex()] = new HeldStats(p.stats(), config.nLayer());
                }
            }
            for (int i = 0; i < in.decode.size(); i++) {
                if (in.decodeAsked(i).wantsAny()) {
                    stats[in.decodeChunks()[i]] = new HeldStats(in.decodeAsked(i), config.nLayer());
                }
            }
        }
        return stats;
    }

    private Tensor layers(StepInputs in, KvPool pool, boolean allRows, boolean inv, HeldStats[] stats) {
        Tensor x = weights.wte().index_select(0, in.ids).add(weights.wpe().index_select(0, in.positions)); // [T, E]
        for (int l = 0; l < config.nLayer(); l++) {
            x = block(l, x, in, pool, inv, stats);
        }
        Tensor last = allRows ? x : x.index_select(0, in.logitRows);                                     // [S, E]
        Tensor h = layerNorm(last, weights.lnfWeight(), weights.lnfBias());
        Tensor logits = linear(h, weights.lmHead(), null, inv);                                          // [S, vocab]
        return logits.to(ScalarType.Float);                                                              // [S, vocab]
    }

    private Tensor block(int l, Tensor x, StepInputs in, KvPool pool, boolean inv, HeldStats[] stats) {
        LayerWeights w = weights.layer(l);
        Tensor h = layerNorm(x, w.ln1Weight(), w.ln1Bias());
        Tensor qkv = linear(h, w.qkvWeight(), w.qkvBias(), inv);                                          // [T, 3E]
        TensorVector parts = qkv.split(config.nEmbd(), 1);
        long t = x.size(0);
        Tensor q = parts.get(0).view(t, config.nHead(), config.headDim());                                // [T, H, D]
        Tensor k = parts.get(1).view(t, config.nHead(), config.headDim());                                // [T, H, D]
        Tensor v = parts.get(2).view(t, config.nHead(), config.headDim());                                // [T, H, D]
        write(in.pre(l), pool, l, k, v);
        if (pool != null && pool.quantized()) {
            for (HeldPlan p : in.held) {
                Int8Kv.write(pool, l, p, k, v);
            }
        } else {
            write(in.heldWrites(l), pool, l, k, v);
        }
        Tensor attn = inv ? invariantAttention(l, q, k, v, in, pool, stats)
                : attention(l, q, k, v, in, pool, stats);                                               // [T, E]
        write(in.post, pool, l, k, v);
        x = x.add(linear(attn, w.projWeight(), w.projBias(), inv));
        h = layerNorm(x, w.ln2Weight(), w.ln2Bias());
        Tensor fc = linear(h, w.fcWeight(), w.fcBias(), inv);                                            // [T, F]
        Tensor mlp = inv ? BatchInvariantOps.gelu(fc) : torch.gelu(fc, "tanh");                          // [T, F]
        return x.add(linear(mlp, w.fc2Weight(), w.fc2Bias(), inv));
    }

    /**
     * Decode rows: one call for all of them. Other chunks: queries {@code [1, H, n, D]} against that chunk's keys
     * {@code [1, H, L, D]}. Each writes its rows of the result.
     */
    private Tensor attention(int l, Tensor q, Tensor k, Tensor v, StepInputs in, KvPool pool, HeldStats[] stats) {
        if (in.decode.size() == 0 && in.plans.size() == 1 && in.held.isEmpty()) {
            return chunkAttention(l, in.plans.get(0), q, k, v, pool);
        }
        if (in.decode.size() == 0 && in.plans.isEmpty() && in.held.size() == 1) {
            HeldPlan p = in.held.get(0);
            return HeldAttention.attend(l, p, q, k, pool, p.chunkIndex() < stats.length ? stats[p.chunkIndex()] : null);
        }
        Tensor out = torch.empty(new long[] {in.numRows, config.nEmbd()}, q.options(),
                new org.bytedeco.pytorch.MemoryFormatOptional());                                // [T, E]
        if (in.decode.size() > 0) {
            decode.run(l, q, pool, in, out, stats);
        }
        for (ChunkPlan p : in.plans) {
            out.narrow(0, p.row(), p.numRows()).copy_(chunkAttention(l, p, q, k, v, pool));
        }
        heldAttention(l, q, k, in, pool, stats, out);
        return out;
    }

    /**
     * Batch-invariant mode: every chunk (no decode-kernel rows), row by row ({@link BatchInvariantOps}); Held chunks
     * through {@link HeldAttention}, one chunk at a time (its result depends on no other chunk of the step).
     */
    private Tensor invariantAttention(int l, Tensor q, Tensor k, Tensor v, StepInputs in, KvPool pool,
                                      HeldStats[] stats) {
        Tensor out = torch.empty(new long[] {in.numRows, config.nEmbd()}, q.options(),
                new org.bytedeco.pytorch.MemoryFormatOptional());                                // [T, E]
        Tensor poolK = pool == null ? null : pool.keys(l);
        Tensor poolV = pool == null ? null : pool.values(l);
        for (ChunkPlan p : in.plans) {
            Tensor keys = p.reader().read(poolK, k, pool == null ? null : pool.gatherKeys());           // [L, H, D]
            Tensor vals = p.reader().read(poolV, v, pool == null ? null : pool.gatherValues());         // [L, H, D]
            BatchInvariantOps.attention(q.narrow(0, p.row(), p.numRows()), keys, vals, p.mask(),
                    out.narrow(0, p.row(), p.numRows()));
        }
        heldAttention(l, q, k, in, pool, stats, out);
        return out;
    }

    /** Writes the Held chunks' rows of {@code out} ({@code [T, E]}). */
    private static void heldAttention(int l, Tensor q, Tensor k, StepInputs in, KvPool pool, HeldStats[] stats,
                                      Tensor out) {
        for (HeldPlan p : in.held) {
            HeldStats s = p.chunkIndex() < stats.length ? stats[p.chunkIndex()] : null;
            out.narrow(0, p.row(), p.numRows()).copy_(HeldAttention.attend(l, p, q, k, pool, s));
        }
    }

    /** One chunk's attention, {@code [n, E]}. */
    private Tensor chunkAttention(int l, ChunkPlan p, Tensor q, Tensor k, Tensor v, KvPool pool) {
        Tensor poolK = pool.keys(l);
        Tensor poolV = pool.values(l);
        Tensor qc = q.narrow(0, p.row(), p.numRows()).transpose(0, 1).unsqueeze(0);                   // [1, H, n, D]
        Tensor kc = p.reader().read(poolK, k, pool.gatherKeys()).transpose(0, 1).unsqueeze(0);
        Tensor vc = p.reader().read(poolV, v, pool.gatherValues()).transpose(0, 1).unsqueeze(0);
        TensorOptional mask = p.mask() == null ? new TensorOptional() : new TensorOptional(p.mask());
        Tensor o = torch.scaled_dot_product_attention(qc, kc, vc, mask, 0.0, p.causal(),
                new DoubleOptional(), false);                                                         // [1, H, n, D]
        return o.select(0, 0).transpose(0, 1).reshape(p.numRows(), config.nEmbd());                 // [n, E]
    }

    private static void write(StepInputs.Writes w, KvPool pool, int l, Tensor k, Tensor v) {
        if (w == null) {
            return;
        }
        pool.keys(l).index_copy_(0, w.slots(), k.index_select(0, w.rows()));
        pool.values(l).index_copy_(0, w.slots(), v.index_select(0, w.rows()));
    }

    /** {@code x W^T + b} ({@link Linear}); in batch-invariant mode one GEMV per row ({@link BatchInvariantOps}). */
    private static Tensor linear(Tensor x, LinearWeight w, Tensor b, boolean inv) {
        return inv ? BatchInvariantOps.linear(x, w, b) : Linear.apply(x, w, b);
    }

    private Tensor layerNorm(Tensor x, Tensor g, Tensor b) {
        return torch.layer_norm(x, new long[] {config.nEmbd()}, new TensorOptional(g), new TensorOptional(b),
                config.layerNormEpsilon(), false);
    }

    private void checkPositions(ForwardBatch batch) {
        for (SeqChunk c : batch.chunks()) {
            if (c.endPosition() > config.nPositions()) {
                throw new IllegalArgumentException("sequence reaches position " + c.endPosition()
                        + " but the model has n_positions=" + config.nPositions());
            }
        }
    }

    private static void applyCopies(ForwardBatch batch, KvPool pool) {
        for (SeqChunk c : batch.chunks()) {
            for (SlotCopy copy : c.granted().copies()) {
                pool.apply(copy);
            }
        }
    }

    @Override
    public void close() {
        weights.close();
    }
}
