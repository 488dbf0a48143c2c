package dev.kvlab.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The one place kvlab's JMH settings live (Netty's {@code AbstractMicrobenchmark} style): benchmarks extend this
 * class and inherit its mode, fork, warmup, measurement and JVM arguments; {@link JmhCommand} adds the JSON result
 * file under {@link #RESULT_DIR}. Command-line JMH options ({@code -f}, {@code -wi}, {@code -i}, {@code -p}, ...)
 * override these defaults as usual.
 *
 * <p>Mode: one single-shot sample per iteration ({@code batchSize = 1}), because one kvlab operation (a decode step
 * of gpt2-small) takes 50 ms to seconds and must start from the same cache state each time: benchmarks restore
 * their state in {@code @Setup(Level.Iteration)}, so every sample measures the same thing. Scores are ms per
 * operation; the JSON result's {@code scorePercentiles["50.0"]} is the median sample.
 *
 * <p>JVM arguments of the forked JVM: JavaCPP's physical-memory guard is off (the KV pool and weights live in
 * native memory, far above 4 x the heap), and native access is allowed. JMH forks with the host's
 * {@code java.class.path} and input arguments, so under the {@code ./kvlab} launcher the fork gets the launcher's
 * classpath and flags too; the environment is inherited (JMH has no per-fork environment setting), so run it
 * through the launcher, which unsets {@code OPENBLAS_CORETYPE} and exports {@code OMP_WAIT_POLICY=PASSIVE} (else
 * a fork with more than one thread warns: libgomp spin-waits against OpenBLAS's threads).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = AbstractKvlabBenchmark.FORKS,
        jvmArgsAppend = {"-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "--enable-native-access=ALL-UNNAMED", "-Xss4m",
                "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = AbstractKvlabBenchmark.WARMUP_ITERATIONS, batchSize = 1)
@Measurement(iterations = AbstractKvlabBenchmark.MEASUREMENT_ITERATIONS, batchSize = 1)
public abstract class AbstractKvlabBenchmark {
    /** Forked JVMs per parameter point. */
    public static final int FORKS = 1;
    /** Warmup samples per fork (not reported). */
    public static final int WARMUP_ITERATIONS = 3;
    /** Measured samples per fork. */
    public static final int MEASUREMENT_ITERATIONS = 10;
    /** Where {@link JmhCommand} writes JSON results unless {@code -rff} is given; relative to the working directory. */
    public static final String RESULT_DIR = "results/jmh";
    /** System property that overrides {@link #RESULT_DIR}. */
    public static final String RESULT_DIR_PROPERTY = "kvlab.jmh.resultDir";
}
