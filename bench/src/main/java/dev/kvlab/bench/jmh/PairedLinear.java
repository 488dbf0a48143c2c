package dev.kvlab.bench.jmh;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@code kvlab jmh --paired LinearBench}: {@link LinearBench}'s ops for one layer and row count in one JVM, one
 * sample of each in turn (the order rotating every round, {@link Rounds}), so the ratios between ops come from
 * samples measured side by side on a busy machine. A sample is the mean time per call over one pass through the
 * op's weight copies (together past the last-level cache, as in the JMH benchmark). Ratios are medians of per-round
 * ratios to the first op; parameters from {@code -p} (defaults: the benchmark's {@code @Param} values), {@code -wi},
 * {@code -i}.
 */
final class PairedLinear {
    private PairedLinear() {
    }

    static void run(CommandLineOptions options, PrintStream out) throws ReflectiveOperationException {
        List<String> ops = values(options, "op");
        int warmup = options.getWarmupIterations().orElse(AbstractKvlabBenchmark.WARMUP_ITERATIONS);
        int samples = options.getMeasurementIterations().orElse(AbstractKvlabBenchmark.MEASUREMENT_ITERATIONS);
        String dtype = values(options, "dtype").get(0);
        int threads = Integer.parseInt(values(options, "threads").get(0));
        out.printf("paired linear layers: dtype=%s threads=%d, %d warmup + %d rounds per point; us per call%n%n",
                dtype, threads, warmup, samples);
        StringBuilder head = new StringBuilder("| width | layer | in x out | rows");
        ops.forEach(o -> head.append(" | ").append(o).append(" us (p10-p90)"));
        ops.stream().skip(1).forEach(o -> head.append(" | ").append(o).append("/").append(ops.get(0)));
        out.println(head.append(" |"));
        out.println("|---".repeat(4 + 2 * ops.size() - 1) + "|");
        for (String width : values(options, "width")) {
            for (String layer : values(options, "layer")) {
                for (String rows : values(options, "rows")) {
                    out.println(point(ops, Integer.parseInt(width), layer, Integer.parseInt(rows), dtype, threads,
                            warmup, samples));
                    out.flush();
                }
            }
        }
    }

    private static String point(List<String> ops, int width, String layer, int rows, String dtype, int threads,
                                int warmup, int samples) {
        List<LinearBench> benches = new ArrayList<>();
        try {
            for (String op : ops) {
                LinearBench b = new LinearBench();
                b.width = width;
                b.layer = layer;
                b.rows = rows;
                b.op = op;
                b.dtype = dtype;
                b.threads = threads;
                benches.add(b);
                b.setUp();
            }
            double[][] us = Rounds.values(benches.size(), warmup, samples, o -> {
                LinearBench b = benches.get(o);
                int calls = b.copies();
                long t0 = System.nanoTime();
                for (int c = 0; c < calls; c++) {
                    b.call();
                }
                return (System.nanoTime() - t0) / 1e3 / calls;
            });
            long[] io = LinearBench.inOut(layer, width);
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %d | %s | %dx%d | %d", width, layer,
                    io[0], io[1], rows));
            for (double[] u : us) {
                row.append(" | ").append(Rounds.spread(u, "%.0f"));
            }
            for (int o = 1; o < us.length; o++) {
                row.append(String.format(Locale.ROOT, " | %.2f", Rounds.median(Rounds.ratios(us[o], us[0]))));
            }
            return row.append(" |").toString();
        } finally {
            benches.forEach(LinearBench::tearDown);
        }
    }

    private static List<String> values(CommandLineOptions options, String name) throws ReflectiveOperationException {
        if (options.getParameter(name).hasValue()) {
            return List.copyOf(options.getParameter(name).get());
        }
        return Arrays.asList(LinearBench.class.getField(name).getAnnotation(Param.class).value());
    }
}
