package dev.kvlab.bench.jmh;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.SeqId;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.torch.AttentionOptions;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DecodeAttentionProbe;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.SeqChunk;
import dev.kvlab.model.torch.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One layer's decode attention for {@code batch} sequences of {@code context} keys (gpt2-small's 12 heads × 64),
 * against the memory floor measured in the same fork: {@code attention} is the model's per-layer call through the
 * chosen {@code decode} path over the strategy's slots; {@code copyFloor} copies as many bytes as the call reads
 * (K and V of every key) between two buffers far larger than the last-level cache. Decode attention reads each K/V
 * byte once, so {@code attention / copyFloor} is its distance from the bandwidth floor (a copy also writes, so the
 * floor is generous: a read-only stream would be faster).
 *
 * <p>Slots come from the real caches, sequences grown in lockstep one token each ({@code paged}: every block its own
 * run, the worst layout), {@code ring} with window = context. K/V and queries are random.
 */
@State(Scope.Benchmark)
public class DecodeAttentionBench extends AbstractKvlabBenchmark {
    @Param({"contiguous", "paged", "ring"})
    public String strategy;

    @Param({"32"})
    public int batch;

    @Param({"1024"})
    public int context;

    @Param({"1"})
    public int threads;

    /** {@link DecodePath}: auto (the kernel on this CPU), batched or per-chunk. */
    @Param({"auto"})
    public String decode;

    private DecodeAttentionProbe probe;
    private Tensor src;   // [bytesRead / 4] float32
    private Tensor dst;   // [bytesRead / 4] float32

    @Setup(Level.Trial)
    public void setUp() {
        Device device = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, threads, ComputeDType.FLOAT32));
        Gpt2Config c = Gpt2Config.preset("gpt2");
        CacheSpec spec = new CacheSpec(1, c.nHead(), c.headDim(), 4, batch * (context + 16), c.nPositions());
        KvCache cache = KvCacheRegistry.create(strategy, spec, CacheOptions.DEFAULTS.withWindow(context, 4));
        probe = new DecodeAttentionProbe(spec, new ForwardBatch(lastTokens(cache)), device,
                new AttentionOptions(DecodePath.parse(decode)));
        long floats = probe.bytesRead() / Float.BYTES;
        src = torch.randn(floats);
        dst = torch.zeros(floats);
    }

    /** Grows every sequence to {@code context} tokens in lockstep; returns the chunks of the last token. */
    private List<SeqChunk> lastTokens(KvCache cache) {
        SeqChunk[] last = new SeqChunk[batch];
        int[][] tokens = new int[batch][context];
        for (int i = 0; i < batch; i++) {
            for (int p = 0; p < context; p++) {
                tokens[i][p] = (i * 7919 + p * 31) % 50000;   // distinct sequences: no prefix is shared
            }
        }
        for (int p = 0; p < context; p++) {
            for (int i = 0; i < batch; i++) {
                int[] seen = java.util.Arrays.copyOf(tokens[i], p + 1);
                Allocation a = cache.allocate(new AllocRequest(new SeqId(i + 1), seen, 1, context));
                if (a instanceof Allocation.NoRoom n) {
                    throw new IllegalStateException("pool too small: " + n.reason());
                }
                last[i] = SeqChunk.of(seen, p, (Allocation.Granted) a, true);
            }
        }
        return new ArrayList<>(List.of(last));
    }

    /** The decode path in use. */
    DecodePath path() {
        return probe.path();
    }

    @Benchmark
    public void attention() {
        probe.run();
    }

    @Benchmark
    public long copyFloor() {
        dst.copy_(src);
        return dst.size(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        probe.close();
        src.close();
        dst.close();
    }
}
