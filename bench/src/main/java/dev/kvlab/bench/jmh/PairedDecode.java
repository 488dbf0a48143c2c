package dev.kvlab.bench.jmh;

import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.AttentionOptions;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.LinearPath;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.TorchRuntime;
import dev.kvlab.runtime.ModelRef;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@code kvlab jmh --paired}: {@link DecodeStepBench}'s decode step for every strategy and every batch size of a point
 * (one context and layout) in one JVM, one sample of each in turn (the order rotating every round, {@link Rounds}),
 * so that all of them see the same machine load. On a shared, busy machine this gives steadier ratios than JMH's
 * one-trial-after-another: the ratio to the first variant (contiguous, by default) is the median of the per-round
 * ratios at the same batch, and the ratio to the first batch size ({@code B / B=1}: TPOT at batch B over TPOT at
 * batch 1) the median of the per-round ratios of the same variant, both measured side by side
 * ({@link PairedDecodeTable}). Same setup, rewind and step as the JMH benchmark; each (batch, variant) has its own
 * cache and pool, all of a point held at once and closed when the point ends; the model is one per decode and linear
 * path, shared by all of them. Parameters come from JMH's {@code -p name=v1,v2} (defaults: the benchmark's
 * {@code @Param} values; for {@code strategy}, every registered caching strategy), {@code -wi} and {@code -i}.
 * Every strategy may be paired, ring included: its decode rows go through the decode kernel and allocate nothing
 * per step (the old per-chunk path's gather did, and ran 4-30x slower next to other pools in one JVM; measured
 * again after the kernel, batch 8 x 512 keys, 1 thread: ring 0.99x, paged 0.96x contiguous).
 */
final class PairedDecode {
    private PairedDecode() {
    }

    /** Runs every point and prints a markdown table of medians (ms per step). */
    static void run(CommandLineOptions options, PrintStream out) throws ReflectiveOperationException {
        List<String> strategies = options.getParameter("strategy").hasValue() ? values(options, "strategy")
                : DecodeStepBench.cachingStrategies();
        int warmup = options.getWarmupIterations().orElse(AbstractKvlabBenchmark.WARMUP_ITERATIONS);
        int samples = options.getMeasurementIterations().orElse(AbstractKvlabBenchmark.MEASUREMENT_ITERATIONS);
        int threads = Integer.parseInt(values(options, "threads").get(0));
        String model = values(options, "model").get(0);
        List<String> decodes = values(options, "decode");
        List<String> linears = values(options, "linear");
        List<Integer> batches = values(options, "batch").stream().map(Integer::parseInt).toList();
        Device device = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, threads, ComputeDType.FLOAT32));
        List<Gpt2Model> models = new ArrayList<>();    // per variant: strategies x decode paths, one model per path
        List<String> variants = new ArrayList<>();
        List<String> variantStrategies = new ArrayList<>();
        try {
            for (String d : decodes) {
                for (String lin : linears) {
                    try (TensorSource source = ModelRef.openWeights(model, 0)) {
                        Gpt2Model m = new Gpt2Model(source, device, ComputeDType.FLOAT32,
                                new AttentionOptions(DecodePath.parse(d)), LinearPath.parse(lin));
                        for (String s : strategies) {
                            models.add(m);
                            variantStrategies.add(s);
                            variants.add(s + (decodes.size() == 1 ? "" : "@" + label(m.decodePath()))
                                    + (linears.size() == 1 ? "" : "+" + label(m.linearPath())));
                        }
                    }
                }
            }
            PairedDecodeTable table = new PairedDecodeTable(batches, variants);
            out.printf("paired decode steps: model=%s threads=%d decode=%s linear=%s, %d warmup + %d measured rounds"
                    + " per point, every batch and variant of a point in each round%n%n", model, threads, decodes,
                    linears, warmup, samples);
            table.header().forEach(out::println);
            for (String layout : values(options, "layout")) {
                for (String context : values(options, "context")) {
                    point(table, models, variantStrategies, Integer.parseInt(context), layout, threads, warmup,
                            samples).forEach(out::println);
                    out.flush();
                }
            }
        } finally {
            new LinkedHashSet<>(models).forEach(Gpt2Model::close);
        }
    }

    /** One point's rows; variant v runs strategy {@code strategies[v]} on model {@code models[v]}. */
    private static List<String> point(PairedDecodeTable table, List<Gpt2Model> models, List<String> strategies,
                                      int context, String layout, int threads, int warmup, int samples) {
        List<DecodeStepBench> benches = new ArrayList<>();    // index: table.cell(b, v); each owns its cache and pool
        try {
            for (int batch : table.batches()) {
                for (int v = 0; v < strategies.size(); v++) {
                    DecodeStepBench b = new DecodeStepBench();
                    b.strategy = strategies.get(v);
                    b.batch = batch;
                    b.context = context;
                    b.layout = layout;
                    b.threads = threads;
                    benches.add(b);
                    b.setUp(models.get(v), false);
                }
            }
            double[][] ms = Rounds.values(table.cells(), warmup, samples, cell -> {
                DecodeStepBench b = benches.get(cell);
                b.rewind();
                long t0 = System.nanoTime();
                b.decodeStep();
                return (System.nanoTime() - t0) / 1e6;
            });
            return table.rows(context, layout, ms);
        } finally {
            benches.forEach(DecodeStepBench::tearDown);
        }
    }

    private static String label(Enum<?> path) {
        return path.name().toLowerCase(Locale.ROOT);
    }

    /** The -p values of {@code name}, or the benchmark's {@code @Param} defaults. */
    static List<String> values(CommandLineOptions options, String name) throws ReflectiveOperationException {
        if (options.getParameter(name).hasValue()) {
            Collection<String> given = options.getParameter(name).get();
            return List.copyOf(given);
        }
        return Arrays.asList(DecodeStepBench.class.getField(name).getAnnotation(Param.class).value());
    }
}
