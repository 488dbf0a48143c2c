package dev.kvlab.bench.jmh;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@code kvlab jmh --paired DecodeAttentionBench}: {@link DecodeAttentionBench}'s per-layer decode attention of
 * every strategy and its copy floor in one JVM, sample by sample in rotating order ({@link Rounds}), so that the
 * ratios (each strategy to the first, attention to the floor) are taken from samples measured side by side on a busy
 * machine.
 */
final class PairedAttention {
    private PairedAttention() {
    }

    static void run(CommandLineOptions options, PrintStream out) throws ReflectiveOperationException {
        List<String> strategies = values(options, "strategy");
        int warmup = options.getWarmupIterations().orElse(AbstractKvlabBenchmark.WARMUP_ITERATIONS);
        int samples = options.getMeasurementIterations().orElse(AbstractKvlabBenchmark.MEASUREMENT_ITERATIONS);
        out.printf("paired decode attention: threads=%s decode=%s, %d warmup + %d rounds per point%n%n",
                values(options, "threads").get(0), values(options, "decode").get(0), warmup, samples);
        StringBuilder head = new StringBuilder("| batch | context");
        strategies.forEach(s -> head.append(" | ").append(s).append(" ms (p10-p90) | floor ms | /floor"));
        strategies.stream().skip(1).forEach(s -> head.append(" | ").append(s).append("/").append(strategies.get(0)));
        out.println(head.append(" |"));
        out.println("|---".repeat(2 + 3 * strategies.size() + strategies.size() - 1) + "|");
        for (String batch : values(options, "batch")) {
            for (String context : values(options, "context")) {
                out.println(point(options, strategies, Integer.parseInt(batch), Integer.parseInt(context), warmup,
                        samples));
            }
        }
    }

    private static String point(CommandLineOptions options, List<String> strategies, int batch, int context,
                                int warmup, int samples) throws ReflectiveOperationException {
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
            Rounds.run(benches.size(), warmup, samples, (s, round) -> {
                long t0 = System.nanoTime();
                benches.get(s).attention();
                long t1 = System.nanoTime();
                benches.get(s).copyFloor();
                long t2 = System.nanoTime();
                if (round >= 0) {
                    attention[s][round] = (t1 - t0) / 1e6;
                    floor[s][round] = (t2 - t1) / 1e6;
                }
            });
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %d | %d", batch, context));
            for (int s = 0; s < benches.size(); s++) {
                row.append(" | ").append(Rounds.spread(attention[s], "%.2f"))
                        .append(String.format(Locale.ROOT, " | %.2f | %.2f", Rounds.median(floor[s]),
                                Rounds.median(Rounds.ratios(attention[s], floor[s]))));
            }
            for (int s = 1; s < benches.size(); s++) {
                row.append(String.format(Locale.ROOT, " | %.3f",
                        Rounds.median(Rounds.ratios(attention[s], attention[0]))));
            }
            return row.append(" |").toString();
        } finally {
            benches.forEach(DecodeAttentionBench::tearDown);
        }
    }

    private static List<String> values(CommandLineOptions options, String name) throws ReflectiveOperationException {
        if (options.getParameter(name).hasValue()) {
            return List.copyOf(options.getParameter(name).get());
        }
        return List.of(DecodeAttentionBench.class.getField(name)
                .getAnnotation(org.openjdk.jmh.annotations.Param.class).value());
    }
}
