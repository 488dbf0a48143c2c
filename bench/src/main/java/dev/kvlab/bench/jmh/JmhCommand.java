package dev.kvlab.bench.jmh;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code kvlab jmh [JMH args]}: runs the JMH benchmarks through {@link org.openjdk.jmh.Main} with the arguments
 * given, untouched, plus three defaults: the benchmark {@link DecodeStepBench} when no benchmark regex is given, every
 * registered caching strategy ({@link DecodeStepBench#cachingStrategies()}, plugins included) when no
 * {@code -p strategy=} is given, and a JSON result file under {@link AbstractKvlabBenchmark#RESULT_DIR} when neither
 * {@code -rf} nor {@code -rff} is.
 * After a run it prints the medians as a table ({@link JmhTable}). {@code kvlab jmh -h} shows JMH's own options.
 * With {@code --paired} it runs {@link PairedDecode} instead: the same decode step, strategies and batch sizes
 * alternated sample by sample in one JVM, for steadier ratios on a busy machine; {@code --paired
 * DecodeAttentionBench} runs {@link PairedAttention} (one layer's decode attention per strategy beside its copy
 * floor) and
 * {@code --paired LinearBench} runs {@link PairedLinear} (one linear layer through each op, alternating).
 */
@Command(name = "jmh",
        description = {"Run the JMH microbenchmarks (default: DecodeStepBench); JMH's own options pass through.",
                "For example:",
                "  kvlab jmh -f 1 -wi 2 -i 5 -p batch=1,8 -p context=512",
                "JSON results go to results/jmh/ unless -rf/-rff say otherwise; 'kvlab jmh -h' lists JMH's options.",
                "  kvlab jmh --paired -p batch=8,32 -i 15",
                "runs the decode step of every strategy and batch in one JVM, alternating samples (ratios to the",
                "first strategy and to the first batch)."})
public final class JmhCommand implements Callable<Integer> {
    @Option(names = "--paired",
            description = "Alternate the strategies and batch sizes sample by sample in one JVM (no JMH fork).")
    boolean paired;

    @Unmatched
    List<String> jmhArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (paired) {
            System.out.println("kvlab jmh --paired: load average at start " + loadAverage());
            CommandLineOptions options = parse(jmhArgs);
            if (options.getIncludes().stream().anyMatch(DecodeAttentionBench.class.getSimpleName()::contains)) {
                PairedAttention.run(options, System.out);
            } else if (options.getIncludes().stream().anyMatch(LinearBench.class.getSimpleName()::contains)) {
                PairedLinear.run(options, System.out);
            } else {
                PairedDecode.run(options, System.out);
            }
            System.out.println("kvlab jmh --paired: load average at end " + loadAverage());
            return 0;
        }
        List<String> args = withDefaults(jmhArgs, LocalDateTime.now());
        Path result = resultFile(args);
        if (result != null && result.getParent() != null) {
            Files.createDirectories(result.getParent());
        }
        PrintStream out = System.out;
        out.println("kvlab jmh: " + String.join(" ", args));
        out.println("kvlab jmh: load average at start " + loadAverage());
        org.openjdk.jmh.Main.main(args.toArray(new String[0]));
        out.println("kvlab jmh: load average at end " + loadAverage());
        if (result != null && Files.isRegularFile(result) && result.toString().endsWith(".json")) {
            out.println();
            out.println("Median ms per operation (" + result + "):");
            out.print(JmhTable.markdown(result));
        }
        return 0;
    }

    /** The user's arguments plus the default benchmark and JSON result file, where the user gave none. */
    static List<String> withDefaults(List<String> userArgs, LocalDateTime now) {
        CommandLineOptions parsed = parse(userArgs);
        List<String> args = new ArrayList<>(userArgs);
        if (parsed.getIncludes().isEmpty()) {
            args.add(DecodeStepBench.class.getSimpleName());
        }
        boolean decodeStep = parsed.getIncludes().isEmpty() || parsed.getIncludes().stream()
                .anyMatch(i -> java.util.regex.Pattern.compile(i).matcher(DecodeStepBench.class.getName()).find());
        if (decodeStep && !parsed.getParameter("strategy").hasValue()) {
            args.addAll(List.of("-p", "strategy=" + String.join(",", DecodeStepBench.cachingStrategies())));
        }
        if (!parsed.getResultFormat().hasValue() && !parsed.getResult().hasValue()) {
            String dir = System.getProperty(AbstractKvlabBenchmark.RESULT_DIR_PROPERTY, AbstractKvlabBenchmark.RESULT_DIR);
            String name = "jmh-" + now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json";
            args.addAll(List.of("-rf", "json", "-rff", Path.of(dir, name).toString()));
        }
        return args;
    }

    /** The result file these arguments name ({@code -rff}), or null. */
    private static Path resultFile(List<String> args) {
        CommandLineOptions parsed = parse(args);
        return parsed.getResult().hasValue() ? Path.of(parsed.getResult().get()) : null;
    }

    /** JMH's reading of the arguments; a bad one is bad input (exit code 2), not an internal error. */
    static CommandLineOptions parse(List<String> args) {
        try {
            return new CommandLineOptions(args.toArray(new String[0]));
        } catch (CommandLineOptionException e) {
            throw new IllegalArgumentException("bad JMH arguments: " + e.getMessage(), e);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim() + " (" + Runtime.getRuntime().availableProcessors()
                    + " cpus)";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
