package dev.kvlab.bench.jmh;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@code kvlab jmh --paired DecodeAttentionBench}: {@link DecodeAttentionBench}'s per-layer decode attention of
 * every strategy and its copy floor in one JVM, sample by sample in rotating order, so that the ratios (each
 * strategy to the first, attention to the floor) are taken from samples measured side by side on a busy machine.
 */
final class PairedAttention {
    private PairedAttention() {
    }

    static void run(CommandLineOptions options, PrintStream out) throws ReflectiveOperationException {
        List<String> strategies = values(options, "strategy");
        int warmup = options.getWarmupIterations().orElse(AbstractKvlabBenchmark.WARMUP_ITERATIONS);
        int samples = options.getMeasurementIterations().orElse(AbstractKvlabBenchmark.MEASUREMENT_ITERATIONS);
        int batch = Integer.parseInt(values(options, "batch").get(0));
        int context = Integer.parseInt(values(options, "context").get(0));
        List<DecodeAttentionBench> benches = new ArrayList<>();
        try {
            for (String s : strategies) {
                DecodeAttentionBench b = new DecodeAttentionBench();
                b.strategy = s;
                b.batch = batch;
                b.context = context;
                b.threads = Integer.parseInt(values(options, "threads").get(0));
                b.decode = values(options, "decode").get(0);
                b.setUp();
                benches.add(b);
            }
            double[][] attention = new double[benches.size()][samples];
            double[][] floor = new double[benches.size()][samples];
            for (int round = -warmup; round < samples; round++) {
                for (int k = 0; k < benches.size(); k++) {
                    int s = Math.floorMod(k + round, benches.size());
                    long t0 = System.nanoTime();
                    benches.get(s).attention();
                    long t1 = System.nanoTime();
                    benches.get(s).copyFloor();
                    long t2 = System.nanoTime();
                    if (round >= 0) {
                        attention[s][round] = (t1 - t0) / 1e6;
                        floor[s][round] = (t2 - t1) / 1e6;
                    }
                }
            }
            out.printf("paired decode attention: batch=%d context=%d threads=%s decode=%s, %d warmup + %d rounds%n%n",
                    batch, context, values(options, "threads").get(0), benches.get(0).path(), warmup, samples);
            out.println("| strategy | attention ms (p10-p90) | copy floor ms | attention/floor | vs " + strategies.get(0)
                    + " |");
            out.println("|---|---|---|---|---|");
            for (int s = 0; s < benches.size(); s++) {
                out.printf(Locale.ROOT, "| %s | %.1f (%.1f-%.1f) | %.1f | %.2f | %.3f |%n", strategies.get(s),
                        PairedDecode.percentile(attention[s], 50), PairedDecode.percentile(attention[s], 10),
                        PairedDecode.percentile(attention[s], 90), PairedDecode.percentile(floor[s], 50),
                        PairedDecode.percentile(ratio(attention[s], floor[s]), 50),
                        PairedDecode.percentile(ratio(attention[s], attention[0]), 50));
            }
        } finally {
            benches.forEach(DecodeAttentionBench::tearDown);
        }
    }

    private static double[] ratio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return r;
    }

    private static List<String> values(CommandLineOptions options, String name) throws ReflectiveOperationException {
        if (options.getParameter(name).hasValue()) {
            return List.copyOf(options.getParameter(name).get());
        }
        return List.of(DecodeAttentionBench.class.getField(name)
                .getAnnotation(org.openjdk.jmh.annotations.Param.class).value());
    }
}
