package dev.kvlab.bench;

import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.RuntimeOptions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * Runs a {@link BenchPlan}: every sweep point (a fresh engine each, {@code repeats} rounds over all points, the
 * median round by output throughput kept), then KV growth, ring quality and the long generation, loading each
 * model once. Pure measurement: writing files is {@link BenchOutput}'s job.
 */
final class BenchSession {
    private final BenchPlan plan;
    private final Progress progress;
    private final ModelHolder models;
    private final long weightsSeed;
    /** Null: an engine in this JVM runs the requests; else this server does (sweeps only). */
    private final ServerTarget server;
    private final RunLog log;
    private volatile BenchEnv env;

    /** @param log where each finished run goes at once; runs it already has (--resume) are skipped */
    BenchSession(BenchPlan plan, BenchEnv env, long weightsSeed, RuntimeOptions options, Progress progress,
                 ServerTarget server, RunLog log) {
        this.plan = plan;
        this.env = server == null ? env : env.withDevice("server").withTarget(server.baseUrl().toString());
        this.progress = progress;
        this.weightsSeed = weightsSeed;
        this.server = server;
        this.models = new ModelHolder(weightsSeed, options, progress);
        this.log = log;
    }

    Results run(String command) {
        try (models) {
            boolean local = server == null;   // the other measurements need the model in this JVM
            if (local && plan.quality() != null) {   // before measuring anything
                QualitySpec q = plan.quality();
                q.checkLength(model(qualityModel()).config());
            }
            progress.plan(plan.numSweepRuns());
            for (SweepSpec s : plan.sweeps()) {
                if (local) {
                    sweep(s);
                } else {
                    serverSweep(s);
                }
            }
            if (local && plan.kvGrowth() != null && !log.hasKvGrowth()) {
                log.kvGrowth(kvGrowth());
            }
            if (local && plan.quality() != null && !log.hasQuality()) {
                log.quality(quality(), attention());
            }
            if (local && plan.longGen() != null && !log.hasLongGen()) {
                log.longGen(longGen());
            }
            return log.snapshot(env, command);
        }
    }

    /** The environment so far (the device is known once a model is loaded). */
    BenchEnv env() {
        return env;
    }

    private Gpt2Model model(String name) {
        Gpt2Model m = models.get(name);
        env = env.withDevice(m.device().is_cuda() ? "cuda" : "cpu");
        if (env.runtime().natives().isEmpty()) {   // first load: the natives are in now
            env = env.withRuntime();
        }
        return m;
    }

    private void sweep(SweepSpec s) {
        List<RunConfig> points = pending(s, s.points(), null);
        if (points.isEmpty()) {
            return;   // every point finished in an earlier, resumed run
        }
        Gpt2Model model = model(plan.model());
        Gpt2Config c = model.config();
        List<RequestSpec> base = Workloads.build(s.workload(), c.eosTokenId(), c.nPositions());
        BenchRunner runner = new BenchRunner(model, progress);
        warmUp(model, s, base);
        measure(s, points, base, runner::run, null);
    }

    /** The points of {@code s} without a row in the log yet (--resume skips the others). */
    private List<RunConfig> pending(SweepSpec s, List<RunConfig> points, String labelPrefix) {
        return points.stream().filter(p -> !log.has(s.name(), label(p, labelPrefix), s.workload().label())).toList();
    }

    /**
     * A sweep against {@link #server}: the workload is built from the --model's config (not loaded), and only the
     * sweep's arrival rates vary (the server has its own strategy and limits); rows are labelled {@code server ...}.
     */
    private void serverSweep(SweepSpec s) {
        Gpt2Config c;
        try (TensorSource src = dev.kvlab.runtime.ModelRef.openWeights(plan.model(), weightsSeed)) {
            c = src.config();
        }
        List<RequestSpec> base = Workloads.build(s.workload(), c.eosTokenId(), c.nPositions());
        ServerRunner runner = new ServerRunner(server, progress);
        List<RunConfig> points = new ArrayList<>();
        for (RunConfig p : s.points()) {
            if (points.stream().noneMatch(q -> q.arrivals().equals(p.arrivals()))) {
                points.add(p);
            }
        }
        points = pending(s, points, "server");
        if (points.isEmpty()) {
            return;
        }
        List<RequestSpec> few = base.subList(0, Math.min(4, base.size())).stream()
                .map(r -> new RequestSpec(r.id(), r.promptIds(), Math.min(8, r.maxNewTokens()), 0)).toList();
        new ServerRunner(server, Progress.quiet()).run(points.get(0), few);   // warm-up, unrecorded
        measure(s, points, base, runner::run, "server");
    }

    /**
     * Runs {@code points} {@code repeats} rounds and keeps each point's median round, logged the moment the point's
     * last round finishes.
     *
     * @param labelPrefix null: rows keep the point's label; else rows are labelled with it and the rate
     */
    private void measure(SweepSpec s, List<RunConfig> points, List<RequestSpec> base,
                         BiFunction<RunConfig, List<RequestSpec>, RunResult> runner, String labelPrefix) {
        List<List<Measured>> rounds = new ArrayList<>();
        for (int round = 0; round < s.repeats(); round++) {
            List<Measured> results = new ArrayList<>();
            rounds.add(results);
            for (RunConfig point : points) {
                List<RequestSpec> reqs = Workloads.withArrivals(base, point.arrivals(), s.workload().seed());
                progress.startRun(s.name() + ": " + label(point, labelPrefix)
                        + (s.repeats() > 1 ? " #" + (round + 1) : ""));
                BenchEnv now = env.now();
                RunResult r = runner.apply(point, reqs);
                results.add(new Measured(r, now));
                if (round == s.repeats() - 1) {   // on disk before the progress line says it finished
                    record(s, rounds, results.size() - 1, label(point, labelPrefix), labelPrefix != null);
                }
                progress.endRun(String.format(Locale.ROOT, "%.1f output tok/s, TTFT p50 %.0f ms, max concurrent %d",
                        r.metrics().outputThroughput(), r.metrics().ttft().median(), r.stats().peakRunning()));
            }
        }
    }

    /** Point {@code p} has run all its rounds: its row (the median round) goes to the log now. */
    private void record(SweepSpec s, List<List<Measured>> rounds, int p, String label, boolean relabel) {
        List<Measured> tries = rounds.stream().map(round -> round.get(p)).toList();
        Measured kept = median(tries);
        double[] throughputs = tries.stream().mapToDouble(m -> m.result().metrics().outputThroughput()).toArray();
        ResultRow row = ResultRow.of(kept.env(), s.name(), s.workload(), kept.result(), throughputs);
        log.run(relabel ? row.withLabel(label) : row, RequestRow.of(s.name(), kept.result()).stream()
                .map(q -> relabel ? q.withLabel(label) : q).toList());
    }

    private static String label(RunConfig point, String prefix) {
        if (prefix == null) {
            return point.label();
        }
        return point.arrivals().allAtOnce() ? prefix : prefix + " rate=" + point.arrivals().label();
    }

    /** One measured run and the environment when it started. */
    private record Measured(RunResult result, BenchEnv env) {
    }

    /** The run with the median output throughput (the lower middle one for an even count). */
    private static Measured median(List<Measured> tries) {
        List<Measured> sorted = new ArrayList<>(tries);
        sorted.sort(Comparator.comparingDouble(m -> m.result().metrics().outputThroughput()));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /**
     * Runs the first few requests of the workload (outputs cut to 8 tokens) once per strategy of the sweep, unrecorded,
     * so the first measured point does not pay for JIT compilation and first-touch allocation of its code paths.
     */
    private static void warmUp(Gpt2Model model, SweepSpec s, List<RequestSpec> base) {
        BenchRunner quiet = new BenchRunner(model, Progress.quiet());
        List<RequestSpec> few = base.subList(0, Math.min(4, base.size())).stream()
                .map(r -> new RequestSpec(r.id(), r.promptIds(), Math.min(8, r.maxNewTokens()), 0)).toList();
        s.points().stream().map(RunConfig::strategy).distinct().forEach(strategy -> {
            RunConfig first = s.points().stream().filter(p -> p.strategy().equals(strategy)).findFirst().orElseThrow();
            quiet.run(first.withBatching(RunConfig.CONTINUOUS).withArrivals(Arrivals.ALL_AT_ONCE), few);
        });
    }

    private List<KvGrowthRow> kvGrowth() {
        Gpt2Model model = model(plan.model());
        return KvGrowth.run(plan.kvGrowth(), model.config(), model.dtype().bytes());
    }

    private String qualityModel() {
        return plan.quality().model() == null ? plan.model() : plan.quality().model();
    }

    private QualityExperiment.Tables quality() {
        QualitySpec spec = plan.quality();
        String name = qualityModel();
        Gpt2Model model = model(name);
        QualityPassages p = QualityPassages.of(models.loaded(name), spec);
        progress.plan(p.passages().size());
        return new QualityExperiment(model, progress).run(spec, p.passages(), p.text(), env.now().withModel(name));
    }

    private List<AttentionRow> attention() {
        QualitySpec spec = plan.quality();
        String name = qualityModel();
        Gpt2Model model = model(name);
        QualityPassages p = QualityPassages.of(models.loaded(name), spec);
        try (TensorSource weights = models.openWeights(name)) {
            return AttentionSinks.rows(weights, model, p.passages().subList(0, Math.min(spec.attentionPassages(),
                    p.passages().size())), p.text(), env.now().withModel(name));
        }
    }

    private List<LongGenRow> longGen() {
        LongGenSpec spec = plan.longGen();
        Gpt2Model model = model(spec.model());
        progress.plan(spec.strategies().size());
        return LongGen.rows(new LongGen(model, progress).run(spec), env.now().withModel(spec.model()), spec);
    }
}
