package dev.kvlab.bench;

import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.Engine;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.GenerationRequest;
import dev.kvlab.runtime.RequestResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Runs a {@link LongGenSpec}: per-step time at sampled lengths, and the estimated total, per strategy. */
public final class LongGen {
    private final Gpt2Model model;
    private final Progress progress;

    /** Time of one step at each sampled length, and the trapezoidal total over 1..totalTokens. */
    public record Curve(String strategy, int[] lengths, double[] stepMs, double totalS) {
    }

    public LongGen(Gpt2Model model, Progress progress) {
        this.model = model;
        this.progress = progress;
    }

    public List<Curve> run(LongGenSpec spec) {
        List<Curve> out = new ArrayList<>();
        measure("contiguous", 16, spec);   // warm-up: JIT and allocator
        for (String s : spec.strategies()) {
            progress.startRun("long-gen " + s + " to " + spec.totalTokens());
            Curve c = curve(s, spec);
            progress.endRun(String.format(java.util.Locale.ROOT, "%.1f ms/token at %d, total %.1f s (est.)",
                    c.stepMs()[c.stepMs().length - 1], spec.totalTokens(), c.totalS()));
            out.add(c);
        }
        return out;
    }

    private Curve curve(String strategy, LongGenSpec spec) {
        List<Integer> lengths = spec.lengths();
        int[] t = lengths.stream().mapToInt(Integer::intValue).toArray();
        double[] ms = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            ms[i] = measure(strategy, t[i], spec);
            progress.update(i + 1, t.length);
        }
        return new Curve(strategy, t, ms, totalSeconds(t, ms, spec.totalTokens()));
    }

    /** Median decode-step time at lengths t .. t + reps - 1, ms. */
    private double measure(String strategy, int t, LongGenSpec spec) {
        int reps = Math.min(spec.reps(), model.config().nPositions() - t);
        if (reps < 1) {
            throw new IllegalArgumentException("long-gen length " + t + " leaves no room to decode in "
                    + model.config().nPositions() + " positions");
        }
        int[] prompt = Workloads.tokens(new Random(spec.seed() + t), t - 1, model.config().eosTokenId());
        int n = model.config().nPositions();
        EngineConfig config = RunConfig.of(strategy, EngineConfig.DEFAULTS.withKvBudgetTokens(n).withLimits(1, n))
                .engine();
        try (Engine engine = new Engine(model, config)) {
            RequestResult r = engine.runToCompletion(List.of(GenerationRequest.greedy("long", prompt, 1 + reps, true)))
                    .get(0);
            double[] gaps = r.timeline().itlMs();
            return Percentiles.of(gaps, 50);
        }
    }

    /**
     * Sum of step times over lengths 1..n by the trapezoidal rule through the sampled points; below the first sample
     * the first value is used. Exact for a curve linear between samples.
     */
    static double totalSeconds(int[] t, double[] ms, int n) {
        double sum = ms[0] * t[0];   // lengths 1..t[0]
        for (int i = 1; i < t.length; i++) {
            int width = t[i] - t[i - 1];
            sum += width * (ms[i - 1] + ms[i]) / 2.0 + (ms[i] - ms[i - 1]) / 2.0;
        }
        return sum / 1000.0;
    }

    /** One row per strategy and sampled length. */
    public static List<LongGenRow> rows(List<Curve> curves, BenchEnv env, LongGenSpec spec) {
        List<LongGenRow> rows = new ArrayList<>();
        for (Curve c : curves) {
            for (int i = 0; i < c.lengths().length; i++) {
                rows.add(new LongGenRow("long-gen", c.strategy(), c.lengths()[i], c.stepMs()[i], spec.reps(),
                        spec.totalTokens(), c.totalS(), env));
            }
        }
        return rows;
    }
}
