package dev.kvlab.bench.jmh;

import dev.kvlab.bench.Percentiles;
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
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@code kvlab jmh --paired}: {@link DecodeStepBench}'s decode step for every strategy of a point in one JVM, one
 * sample of each in turn (the order rotating every round), so that all strategies see the same machine load. On a
 * shared, busy machine this gives steadier ratios than JMH's one-trial-after-another; the ratio reported is the
 * median of the per-round ratios to contiguous. Same setup, rewind and step as the JMH benchmark; parameters come
 * from JMH's {@code -p name=v1,v2} (defaults: the benchmark's {@code @Param} values; for {@code strategy}, every
 * registered caching strategy), {@code -wi} and {@code -i}.
 * Medians and percentiles are {@link Percentiles}' (numpy's linear interpolation). Leave {@code ring} out ({@code -p strategy=contiguous,paged}): its read
 * allocates new tensors every step, which next to other strategies' pools in one JVM ran 4-30x slower (glibc
 * page-fault churn) than in its own fork.
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
        Device device = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, threads, ComputeDType.FLOAT32));
        List<Gpt2Model> models = new ArrayList<>();    // per variant: strategies x decode paths, one model per path
        List<String> variants = new ArrayList<>();
        List<String> variantStrategies = new ArrayList<>();
        for (String d : decodes) {
            for (String lin : linears) {
                try (TensorSource source = ModelRef.openWeights(model, 0)) {
                    Gpt2Model m = new Gpt2Model(source, device, ComputeDType.FLOAT32,
                            new AttentionOptions(DecodePath.parse(d)), LinearPath.parse(lin));
                    for (String s : strategies) {
                        models.add(m);
                        variantStrategies.add(s);
                        variants.add(s + (decodes.size() == 1 ? "" : "@" + m.decodePath().name().toLowerCase(Locale.ROOT))
                                + (linears.size() == 1 ? "" : "+" + m.linearPath().name().toLowerCase(Locale.ROOT)));
                    }
                }
            }
        }
        out.printf("paired decode steps: model=%s threads=%d decode=%s linear=%s, %d warmup + %d measured rounds per"
                + " point%n%n", model, threads, decodes, linears, warmup, samples);
        StringBuilder head = new StringBuilder("| batch | context | layout");
        variants.forEach(s -> head.append(" | ").append(s).append(" ms (p10-p90)"));
        variants.stream().skip(1).forEach(s -> head.append(" | ").append(s).append("/").append(variants.get(0)));
        out.println(head.append(" |"));
        out.println("|---".repeat(3 + 2 * variants.size() - 1) + "|");
        try {
            for (String layout : values(options, "layout")) {
                for (String batch : values(options, "batch")) {
                    for (String context : values(options, "context")) {
                        out.println(point(models, variantStrategies, Integer.parseInt(batch),
                                Integer.parseInt(context), layout, threads, warmup, samples));
                    }
                }
            }
        } finally {
            new java.util.LinkedHashSet<>(models).forEach(Gpt2Model::close);
        }
    }

    /** One point; variant i runs strategy {@code strategies[i]} on model {@code models[i]}. */
    private static String point(List<Gpt2Model> models, List<String> strategies, int batch, int context,
                                String layout, int threads, int warmup, int samples) {
        List<DecodeStepBench> benches = new ArrayList<>();
        try {
            for (int v = 0; v < strategies.size(); v++) {
                String s = strategies.get(v);
                Gpt2Model gpt2 = models.get(v);
                DecodeStepBench b = new DecodeStepBench();
                b.strategy = s;
                b.batch = batch;
                b.context = context;
                b.layout = layout;
                b.threads = threads;
                benches.add(b);
                b.setUp(gpt2, false);
            }
            double[][] ms = new double[strategies.size()][samples];
            for (int round = -warmup; round < samples; round++) {
                for (int k = 0; k < benches.size(); k++) {
                    int s = Math.floorMod(k + round, benches.size());   // rotate who goes first
                    DecodeStepBench b = benches.get(s);
                    b.rewind();
                    long t0 = System.nanoTime();
                    b.decodeStep();
                    if (round >= 0) {
                        ms[s][round] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %d | %d | %s", batch, context, layout));
            for (double[] m : ms) {
                row.append(String.format(Locale.ROOT, " | %.1f (%.1f-%.1f)", percentile(m, 50), percentile(m, 10),
                        percentile(m, 90)));
            }
            for (int s = 1; s < ms.length; s++) {
                double[] ratio = new double[samples];
                for (int i = 0; i < samples; i++) {
                    ratio[i] = ms[s][i] / ms[0][i];
                }
                row.append(String.format(Locale.ROOT, " | %.3f", percentile(ratio, 50)));
            }
            return row.append(" |").toString();
        } finally {
            benches.forEach(DecodeStepBench::tearDown);
        }
    }

    /** The -p values of {@code name}, or the benchmark's {@code @Param} defaults. */
    static List<String> values(CommandLineOptions options, String name) throws ReflectiveOperationException {
        if (options.getParameter(name).hasValue()) {
            Collection<String> given = options.getParameter(name).get();
            return List.copyOf(given);
        }
        return Arrays.asList(DecodeStepBench.class.getField(name).getAnnotation(Param.class).value());
    }

    /** The {@code p}-th percentile of {@code v}, by the one definition of the benchmark ({@link Percentiles}). */
    static double percentile(double[] v, double p) {
        return Percentiles.of(v, p);
    }
}
