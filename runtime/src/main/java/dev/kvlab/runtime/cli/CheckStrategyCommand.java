package dev.kvlab.runtime.cli;

import dev.kvlab.cache.CacheOption;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.StrategyDescription;
import dev.kvlab.cache.StrategyVariant;
import dev.kvlab.cache.check.CacheChecks;
import dev.kvlab.cache.check.CheckOutcome;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.runtime.LoadedModel;
import dev.kvlab.runtime.check.ModelChecks;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kvlab check-strategy NAME}: runs the conformance suites the project's tests run on every registered
 * strategy against one (a plugin's, typically) and prints a pass/fail report, with the first failing case and the
 * rule it broke. Bookkeeping first ({@link CacheChecks}: the slot simulator over random workloads with invariants
 * after every operation, {@code canEverHold} against {@code allocate}), then the model ({@link ModelChecks}: the
 * cache-free oracle on tiny-random, and batched equals solo through the engine). Exit 0 when all pass, 1 when one
 * fails, 2 for an unknown name. {@code --list} describes every registered strategy.
 */
@Command(name = "check-strategy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the conformance suites on a registered strategy (built-in or from $KVLAB_PLUGINS) and print "
                + "a pass/fail report with the first failing case.", "--list describes every registered strategy."})
public final class CheckStrategyCommand implements Callable<Integer> {
    /** The model of the model-level checks: the tests' tiny model (2 layers, 64 wide), CPU, one thread. */
    static final String MODEL = "tiny-random";

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "The strategy to check.")
    String name;

    @Option(names = "--list", description = "Describe every registered strategy: summary, options read, variants.")
    boolean list;

    @Option(names = "--skip-model", description = "Only the bookkeeping checks (no model is loaded).")
    boolean skipModel;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        if (list) {
            KvCacheRegistry.descriptions().forEach(d -> out.println(describe(d)));
            return 0;
        }
        if (name == null) {
            throw new BadInputException("give a strategy NAME, or --list; known: "
                    + String.join(", ", KvCacheRegistry.names()));
        }
        StrategyDescription d = KvCacheRegistry.describe(name);
        out.println("kvlab check-strategy " + describe(d));
        List<CheckOutcome> outcomes = new ArrayList<>(report(CacheChecks.run(d), out));
        if (!skipModel) {
            out.println("loading " + MODEL + " for the model checks...");
            try (LoadedModel m = LoadedModel.load(MODEL, 0, new RuntimeOptions(DeviceKind.CPU, 1,
                    ComputeDType.FLOAT32))) {
                outcomes.addAll(report(ModelChecks.run(d, m.model()), out));
            }
        }
        long passed = outcomes.stream().filter(CheckOutcome::passed).count();
        out.println(d.name() + ": " + passed + " of " + outcomes.size() + " checks passed"
                + (passed == outcomes.size() ? "" : "; FAILED"));
        return passed == outcomes.size() ? 0 : 1;
    }

    /** Prints each outcome as it is known; returns them. */
    private static List<CheckOutcome> report(List<CheckOutcome> outcomes, PrintStream out) {
        for (CheckOutcome o : outcomes) {
            out.println((o.passed() ? "PASS  " : "FAIL  ") + o.check());
            if (!o.passed()) {
                out.println("      rule broken: " + o.failure().rule());
                out.println("      first failing case: " + o.failingCase());
                out.println("      seen: " + o.failure().getMessage().substring(o.failure().rule().length() + 2));
            }
        }
        return outcomes;
    }

    /** {@code name: summary (reads: ...; variants: ...)}. */
    static String describe(StrategyDescription d) {
        String reads = d.reads().isEmpty() ? "none" : d.reads().stream().sorted()
                .map(CacheOption::flag).map(f -> "--" + f).collect(Collectors.joining(", "));
        String variants = d.variants().isEmpty() ? "" : "; variants: " + d.variants().stream()
                .map(StrategyVariant::name).map(v -> d.name() + ":" + v).collect(Collectors.joining(", "));
        return d.name() + ": " + d.summary() + " (reads " + reads + variants + ")";
    }
}
