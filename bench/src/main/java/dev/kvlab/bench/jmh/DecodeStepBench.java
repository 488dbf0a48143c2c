package dev.kvlab.bench.jmh;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.SeqId;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.AttentionOptions;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.HostCopy;
import dev.kvlab.model.torch.KvPool;
import dev.kvlab.model.torch.LinearPath;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.SeqChunk;
import dev.kvlab.model.torch.TorchRuntime;
import dev.kvlab.runtime.ModelRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One decode step of {@code batch} sequences that each hold {@code context - 1} tokens, per cache strategy: every
 * sequence allocates one token, one forward pass runs the batch (the new token attends to {@code context} keys), and
 * the next tokens are picked by argmax. Everything else is setup and is not measured.
 *
 * <p><b>Setup (per trial):</b> loads {@code model} (default gpt2-random: gpt2-small shapes, formula weights seed 0) with
 * {@code threads} torch/BLAS threads (default 1), builds the strategy's cache (block size 16) and a pool of
 * {@code batch * (roundUp(context, 16) + 16)} slots, and prefills positions {@code [0, context - 1)} of every sequence
 * with real forward passes, in the order {@code layout} says. Only paged block tables depend on it:
 * <ul>
 *   <li>{@code sequential}: one sequence after the other, 256 tokens per forward pass. Each block table is one run
 *       of consecutive blocks, as for prompts admitted whole (the engine prefills a prompt of up to
 *       {@code --max-batched-tokens} in one chunk).</li>
 *   <li>{@code interleaved}: the batch in lockstep, one block (16 tokens) per sequence per forward pass, so with
 *       batch &gt; 1 a sequence's consecutive blocks lie {@code batch} blocks apart: the layout of a context grown by
 *       batched decoding, the worst case for a paged read (every block its own run). At batch 1 it equals
 *       {@code sequential}.</li>
 * </ul>
 *
 * <p><b>Same state every sample (per iteration):</b> the cache has no "forget the last token", so each iteration
 * resets the cache and replays the prefill's {@code allocate} calls without running the model. Strategies are
 * deterministic bookkeeping, so the replay hands out exactly the slots the prefill wrote, and the pool still holds
 * their K/V: every sample decodes position {@code context - 1} from identical state (same block tables, same data).
 * The slot the previous sample wrote is written again before anything reads it.
 *
 * <p><b>Strategies:</b> every registered one except {@code none}: it stores nothing, so its "decode step" recomputes
 * all {@code context} tokens of every sequence (a prefill, 10-100x slower), which is not the operation compared here.
 * {@code ring} gets {@code window = context} (4 sinks), so it holds every token and attends to the same keys as the
 * others; a smaller window would measure a different (cheaper) computation.
 */
@State(Scope.Benchmark)
public class DecodeStepBench extends AbstractKvlabBenchmark {
    /**
     * The built-in caching strategies, for a run without {@code kvlab jmh}; {@code kvlab jmh} passes every registered
     * caching strategy ({@link #cachingStrategies()}, plugins included) unless {@code -p strategy=...} is given.
     */
    @Param({"contiguous", "paged", "ring"})
    public String strategy;

    @Param({"1", "8", "32"})
    public int batch;

    /** Keys the decoded token attends to (its position + 1). At most n_positions (1024 for GPT-2). */
    @Param({"128", "512", "1024"})
    public int context;

    /** Torch and OpenBLAS threads. 1 = one per core on a loaded 2-core machine; raise it on a quiet, bigger one. */
    @Param({"1"})
    public int threads;

    /** Prefill order, which decides the paged block tables: {@code sequential} or {@code interleaved} (see above). */
    @Param({"sequential", "interleaved"})
    public String layout;

    /** A built-in model name ({@code <preset>-random}) or a Hugging Face directory. */
    @Param({ModelRef.DEFAULT})
    public String model;

    /** Decode-attention path ({@link DecodePath}): auto (the default), kernel, batched or per-chunk (the old one). */
    @Param({"auto"})
    public String decode = "auto";

    /** Linear-layer path ({@link LinearPath}): auto (the default: prepacked panels on the CPU) or torch (the old one). */
    @Param({"auto"})
    public String linear = "auto";

    static final int BLOCK_SIZE = CacheOptions.DEFAULTS.blockSize();
    /** Tokens per forward pass of the sequential prefill. */
    static final int SEQUENTIAL_CHUNK = 256;
    private static final int SINKS = 4;

    private Gpt2Model gpt2;
    private boolean ownsModel;
    private KvCache cache;
    private KvPool pool;
    private SeqId[] seqs;
    private int[][] tokens;     // per sequence: the ids of positions [0, context)
    private final HostCopy host = new HostCopy();   // the sampled ids' copy (a device-to-host transfer on CUDA)

    /**
     * The registered strategies that store K/V: those whose first allocation in an empty cache is not a
     * {@link dev.kvlab.cache.AttentionView.Recompute} (a recomputing "decode step" is a prefill, not what is compared).
     */
    public static List<String> cachingStrategies() {
        CacheSpec probe = new CacheSpec(1, 1, 1, 4, 64, 64);
        return KvCacheRegistry.descriptions().stream().filter(d -> {
            KvCache c = d.factory().create(probe, CacheOptions.DEFAULTS.withWindow(8, 2));
            Allocation a = c.allocate(new AllocRequest(new SeqId(0), new int[] {0}, 1, 1));
            return a instanceof Allocation.Granted g && !(g.view() instanceof dev.kvlab.cache.AttentionView.Recompute);
        }).map(d -> d.name()).toList();
    }

    @Setup(Level.Trial)
    public void setUp() {
        Device device = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, threads, ComputeDType.FLOAT32));
        try (TensorSource source = ModelRef.openWeights(model, 0)) {
            setUp(new Gpt2Model(source, device, ComputeDType.FLOAT32,
                    new AttentionOptions(DecodePath.parse(decode)), LinearPath.parse(linear)), true);
        }
    }

    /**
     * Builds the cache and pool for {@code loaded} and prefills; {@code own}: whether {@link #tearDown} closes the
     * model ({@link PairedDecode} shares one model between the strategies of a point).
     */
    void setUp(Gpt2Model loaded, boolean own) {
        gpt2 = loaded;
        ownsModel = own;
        if (!cachingStrategies().contains(strategy)) {
            throw new IllegalArgumentException("strategy must be a registered strategy that stores K/V: "
                    + cachingStrategies() + ", got " + strategy);
        }
        if (batch < 1 || context < 2) {
            throw new IllegalArgumentException("need batch >= 1 and context >= 2");
        }
        if (!layout.equals("sequential") && !layout.equals("interleaved")) {
            throw new IllegalArgumentException("layout must be sequential or interleaved, got " + layout);
        }
        Gpt2Config c = gpt2.config();
        if (context > c.nPositions()) {
            throw new IllegalArgumentException("context " + context + " > n_positions " + c.nPositions());
        }
        int perSeq = roundUp(context, BLOCK_SIZE) + BLOCK_SIZE;
        CacheSpec spec = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), gpt2.dtype().bytes(), batch * perSeq,
                c.nPositions());
        CacheOptions options = CacheOptions.DEFAULTS.withWindow(context, Math.min(SINKS, context - 1));
        cache = KvCacheRegistry.create(strategy, spec, options);
        pool = new KvPool(spec, cache.storage(), gpt2.device(), gpt2.dtype());
        seqs = new SeqId[batch];
        tokens = new int[batch][];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < batch; i++) {
            seqs[i] = new SeqId(i + 1);
            tokens[i] = random.ints(context, 0, c.eosTokenId()).toArray();
        }
        prefill(true);
    }

    /** Back to {@code context - 1} tokens per sequence, with the prefill's slots: see the class comment. */
    @Setup(Level.Iteration)
    public void rewind() {
        prefill(false);
    }

    @Benchmark
    public long[] decodeStep() {
        List<SeqChunk> chunks = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            Allocation.Granted g = granted(cache.allocate(new AllocRequest(seqs[i], tokens[i], 1, context)));
            chunks.add(SeqChunk.of(tokens[i], context - 1, g, true));
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor logits = gpt2.forward(new ForwardBatch(chunks), pool);              // [batch, vocab]
            return host.longs(logits.argmax(new LongOptional(1), false));               // [batch] int64
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (cache != null) {
            cache.reset();
        }
        if (pool != null) {
            pool.close();
        }
        if (gpt2 != null && ownsModel) {
            gpt2.close();
        }
        gpt2 = null;
        pool = null;
    }

    /**
     * Resets the cache and brings every sequence to {@code context - 1} tokens in the order {@code layout} says;
     * runs the model only when {@code compute} (the trial's real prefill), else replays the same allocations.
     */
    void prefill(boolean compute) {
        cache.reset();
        int target = context - 1;
        if (layout.equals("sequential")) {
            for (int i = 0; i < batch; i++) {
                for (int from = 0; from < target; from += SEQUENTIAL_CHUNK) {
                    prefillStep(List.of(i), from, Math.min(target, from + SEQUENTIAL_CHUNK), compute);
                }
            }
        } else {
            List<Integer> all = java.util.stream.IntStream.range(0, batch).boxed().toList();
            for (int from = 0; from < target; from += BLOCK_SIZE) {
                prefillStep(all, from, Math.min(target, from + BLOCK_SIZE), compute);
            }
        }
    }

    /** Positions [from, to) of the given sequences in one forward pass (or bookkeeping only). */
    private void prefillStep(List<Integer> which, int from, int to, boolean compute) {
        List<SeqChunk> chunks = new ArrayList<>(which.size());
        for (int i : which) {
            int[] seen = Arrays.copyOf(tokens[i], to);
            Allocation.Granted g = granted(cache.allocate(new AllocRequest(seqs[i], seen, to - from, context)));
            chunks.add(SeqChunk.of(seen, from, g, false));
        }
        if (compute) {
            try (PointerScope scope = new PointerScope()) {
                gpt2.forward(new ForwardBatch(chunks), pool);
            }
        }
    }

    /** The strategy's cache, for tests. */
    KvCache cache() {
        return cache;
    }

    private static Allocation.Granted granted(Allocation a) {
        if (a instanceof Allocation.NoRoom n) {
            throw new IllegalStateException("benchmark pool too small: " + n.reason());
        }
        return (Allocation.Granted) a;
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
