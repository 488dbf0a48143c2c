package dev.kvlab.bench;

import dev.kvlab.cache.CacheOption;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.TorchRuntime;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.ModelRef;
import dev.kvlab.runtime.cli.BadInputException;
import dev.kvlab.runtime.cli.CacheFlags;
import dev.kvlab.runtime.cli.KvlabCli;
import dev.kvlab.runtime.cli.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code kvlab bench}: runs a benchmark plan (from flags, {@code --config FILE} or {@code --preset full}), writes
 * JSON lines, CSV, charts and summary.md under {@code --out}, and prints the summary table.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark KV-cache strategies and batching on a seeded workload; metric names follow vllm bench.",
            "With no flags: 16 ShareGPT-like requests on gpt2-random, strategies contiguous, paged and ring.",
            "--preset full runs the documented comparison (docs/COMPARISON.md).",
            "Threads: --threads, else one per idle core (cores other processes keep busy, sampled once), recorded:",
            "two threads beside other work on a 2-core machine run several times slower than one."})
public final class BenchCommand implements Callable<Integer> {
    /** The mixins whose flags describe a plan (and so conflict with --preset and --config). */
    private static final List<String> PLAN_MIXINS = List.of("cacheFlags", "sweepFlags", "workloadFlags");
    /** The default comparison: the built-in strategies that store K/V. */
    static final List<String> QUICK_STRATEGIES = List.of("contiguous", "paged", "ring");

    @Option(names = "--preset", paramLabel = "NAME", description = "quick (the default run) or full (docs/COMPARISON.md).")
    String preset;

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON plan (see docs/COMPARISON.md, 'Config files').")
    Path config;

    @Option(names = "--only", split = ",", paramLabel = "NAME,...",
            description = "Run only these parts of the plan: sweep names, kv-growth, quality, long-gen.")
    List<String> only;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results go (default: results/bench-<timestamp>).")
    Path out;

    @Option(names = "--overwrite", description = "Replace the results of an earlier run in --out (its kvlab files).")
    boolean overwrite;

    @Option(names = "--resume", description = "Continue an interrupted run in --out: runs it finished are kept, not run "
            + "again.")
    boolean resume;

    @Option(names = "--replot", paramLabel = "DIR",
            description = "Draw the charts and summary.md of an earlier run directory again (no measuring).")
    Path replot;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Option(names = "--server", paramLabel = "URL",
            description = {"Run the sweeps' workloads against this OpenAI-compatible server (kvlab serve, vLLM, "
                    + "llama.cpp, ...), e.g. http://127.0.0.1:8000/v1: streamed /v1/completions with token-id prompts, "
                    + "timed on the client as vllm bench serve does. Only the rates vary; --model gives the workload's "
                    + "tokenizer limits (not loaded)."})
    String server;

    @Option(names = "--server-model", paramLabel = "NAME",
            description = "With --server: the model name to send (default: the first of GET /v1/models).")
    String serverModel;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "With --server: sent as 'Authorization: Bearer KEY' (default: the OPENAI_API_KEY variable).")
    String apiKey;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CacheFlags cacheFlags;

    @Mixin
    SweepFlags sweepFlags;

    @Mixin
    WorkloadFlags workloadFlags;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (replot != null) {
            return report(Replot.read(replot), replot);
        }
        if (resume && out == null) {
            throw new BadInputException("--resume needs the --out directory of the run to continue");
        }
        BenchPlan plan = Plans.only(plan(), only);
        Path dir = out != null ? out : Path.of("results", "bench-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        ServerTarget target = serverTarget();
        RunLog log = new RunLog(dir);
        if (resume && Files.exists(dir.resolve("meta.json"))) {
            log.resumed(Replot.read(dir));
        }
        RunDir.prepare(dir, overwrite, resume);   // before measuring: created, probed, not someone else's run
        if (modelOptions.threads == 0) {
            modelOptions.threads = TorchRuntime.defaultThreads();   // once, so the run uses what it records
        }
        RuntimeOptions options = modelOptions.runtime();
        BenchEnv env = BenchEnv.capture(plan.model(), options.threads(),
                options.dtype().name().toLowerCase(java.util.Locale.ROOT),
                options.device().name().toLowerCase(java.util.Locale.ROOT), workloadFlags.seed);
        String command = "kvlab " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        Replot.writeMeta(log.snapshot(env, command), dir);
        Progress progress = quiet ? Progress.quiet() : Progress.console();
        BenchSession session = new BenchSession(plan, env, modelOptions.weightsSeed, options, progress, target, log);
        Interrupted onSignal = new Interrupted(() -> log.snapshot(session.env(), command), log, dir);
        Interrupted.prepareCharts();
        Runtime.getRuntime().addShutdownHook(onSignal);
        Results results = session.run(command);
        if (!onSignal.disarm()) {
            return KvlabCli.FAILURE;   // shutting down: the hook writes what finished
        }
        int code = report(results, dir);
        return code != 0 ? code : failedRuns(results);
    }

    /** A run where no request completed is reported; when every run is such, the bench failed (exit 2). */
    private static int failedRuns(Results results) {
        List<ResultRow> failed = results.runs().stream().filter(r -> r.latency().completed() == 0).toList();
        if (failed.isEmpty()) {
            return 0;
        }
        String which = failed.size() == results.runs().size() ? "every run" : failed.size() + " of "
                + results.runs().size() + " runs (" + String.join(", ", failed.stream().map(ResultRow::label).toList())
                + ")";
        System.err.println("kvlab: " + (failed.size() == results.runs().size() ? "error" : "warning") + ": in " + which
                + " no request completed (all rejected: the KV budget or the context is too small for the workload;"
                + " see 'failed' in runs.csv)");
        return failed.size() == results.runs().size() ? KvlabCli.BAD_INPUT : 0;
    }

    /** The --server target with its model resolved, or null. */
    private ServerTarget serverTarget() {
        if (server == null) {
            if (serverModel != null || apiKey != null) {
                throw new BadInputException("--server-model and --api-key need --server");
            }
            return null;
        }
        java.net.URI uri;
        try {
            uri = java.net.URI.create(server);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--server must be a URL like http://127.0.0.1:8000/v1, got '" + server + "'");
        }
        String key = apiKey != null ? apiKey : System.getenv("OPENAI_API_KEY");
        return ServerRunner.resolveModel(new ServerTarget(uri, serverModel, key));
    }

    private static int report(Results results, Path dir) {
        List<String> headlines = BenchOutput.write(results, dir);
        System.out.print(SummaryReport.terminal(results.runs()));
        headlines.forEach(h -> System.out.println("* " + h));
        System.out.println("results: " + dir.toAbsolutePath());
        return 0;
    }

    private BenchPlan plan() {
        var parsed = spec.commandLine().getParseResult();
        boolean planFlags = PLAN_MIXINS.stream().flatMap(m -> spec.mixins().get(m).options().stream())
                .anyMatch(o -> parsed.hasMatchedOption(o) && !o.longestName().equals("--seed"));
        if (preset != null && config != null) {
            throw new BadInputException("give --preset or --config, not both");
        }
        String file = preset != null ? "--preset" : config != null ? "--config" : null;
        if (file != null && planFlags) {
            throw new BadInputException(file + " defines the workload and sweeps; drop the sweep and workload flags, or "
                    + "drop " + file);
        }
        BenchPlan plan = config != null ? PlanFile.read(config)
                : preset != null && !preset.equals("quick") ? PlanFile.preset(preset) : flagsPlan();
        if (given("--model") || plan.model() == null) {
            plan = plan.withModel(modelOptions.model);
        }
        return plan;
    }

    /** The plan the flags describe: one sweep (named "strategies", so it gets the per-run bar charts), plus KV growth. */
    private BenchPlan flagsPlan() {
        EngineConfig base = cacheFlags.engineConfig(bytesPerToken());
        SweepFlags f = sweepFlags;
        List<String> strategies = f.strategies != null ? f.strategies
                : given("--cache") ? List.of(KvCacheRegistry.describe(base.strategy()).nameWithVariant(base.cacheOptions()))
                : QUICK_STRATEGIES;
        SweepSpec sweep = new SweepSpec("strategies", workloadFlags.spec(), strategies, f.batching,
                orElse(f.batchLimits, base.maxSeqs()), orElse(f.kvBudgets, base.kvBudgetTokens()),
                orElse(f.blockSizes, base.cacheOptions().blockSize()), orElse(f.windows, base.cacheOptions().window()),
                f.rates, base.cacheOptions().sinks(), base.maxBatchedTokens(), f.repeats,
                orElse(f.budgets, (Integer) CacheOption.BUDGET.flagValue(base.cacheOptions())));
        return new BenchPlan(modelOptions.model, List.of(sweep), null, null, new KvGrowthSpec(0, 0, null, 0, 0));
    }

    private long bytesPerToken() {
        try (TensorSource s = ModelRef.openWeights(modelOptions.model, modelOptions.weightsSeed)) {
            Gpt2Config c = s.config();
            return 2L * c.nLayer() * c.nEmbd() * modelOptions.runtime().dtype().bytes();
        }
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private static List<Integer> orElse(List<Integer> v, int d) {
        return v != null ? v : List.of(d);
    }
}
