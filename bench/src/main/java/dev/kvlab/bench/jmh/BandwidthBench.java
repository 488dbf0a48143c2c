package dev.kvlab.bench.jmh;

import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.TorchRuntime;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's memory bandwidth, the physical floor of a decode step: every weight (and K/V) byte is read once per
 * step. Buffers of {@code mib} MiB (default 1 GiB, far above a 32 MiB last-level cache) of float32.
 * <ul>
 *   <li>{@code read}: {@code sum()} over the buffer, the access pattern of GEMV over weights (read only).</li>
 *   <li>{@code copy}: {@code dst.copy_(src)}; the score counts the bytes copied once (memory traffic is 2x that:
 *       STREAM's "copy" figure is twice this score).</li>
 * </ul>
 * Score: MiB per second (one JMH operation = one MiB). Weight bytes per token / read bandwidth is the fastest a
 * bandwidth-bound batch-1 decode step can be.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class BandwidthBench extends AbstractKvlabBenchmark {
    /** Buffer size in MiB; one JMH operation per MiB, so the score is MiB/s. */
    static final int MIB = 1024;

    @Param({"1", "2"})
    public int threads;

    private Tensor src;     // [MIB * 2^18] float32
    private Tensor dst;     // [MIB * 2^18] float32

    @Setup(Level.Trial)
    public void setUp() {
        TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, threads, ComputeDType.FLOAT32));
        long n = (long) MIB << 18;
        src = torch.ones(n);
        dst = torch.zeros(n);
    }

    @Benchmark
    @OperationsPerInvocation(MIB)
    public float read() {
        try (PointerScope scope = new PointerScope()) {
            return src.sum().item_float();
        }
    }

    @Benchmark
    @OperationsPerInvocation(MIB)
    public long copy() {
        dst.copy_(src);
        return dst.size(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        src.close();
        dst.close();
    }
}
