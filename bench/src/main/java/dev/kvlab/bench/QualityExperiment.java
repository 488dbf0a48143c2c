package dev.kvlab.bench;

import dev.kvlab.cache.CacheOption;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.StrategyDescription;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.QualityMetrics;
import dev.kvlab.runtime.CachedTeacherForcing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Quality against KV memory: every passage runs through the full cache ({@code none}, the cache-free recompute) and
 * through every strategy configuration, by {@link CachedTeacherForcing} (the real cache, as a request: the first
 * {@code prompt} tokens prefilled in chunks, then one decode step per token, the strategy observing the attention
 * statistics it asks for after every step, so a policy evicts as in generation). Per configuration, over the decode
 * steps of all passages: perplexity, its change vs the full cache, mean KL(full ‖ strategy), top-1 agreement with the
 * full cache, and the most K/V bytes held between steps. A budget is set as the token budget the strategy's
 * description declares ({@link StrategyDescription#tokenBudget}: the ring's window, the policies' budget per layer);
 * a strategy without one holds every token and is scored once, at the first budget that fits a passage.
 */
public final class QualityExperiment {
    /** Width of the position buckets of the perplexity-vs-position curve, tokens. */
    static final int BUCKET = 32;

    private final Gpt2Model model;
    private final Progress progress;

    /** One scored configuration: a strategy at a KV budget (its declared token budget) with its sinks. */
    record Config(String strategy, int budget, int sinks) {
        StrategyDescription description() {
            return KvCacheRegistry.describe(strategy);
        }

        boolean readsSinks() {
            return description().readsOption(CacheOption.SINKS);
        }

        /** {@code ring w=96 s=4}, {@code h2o budget=96}: the token budget's label key, then the sinks if read. */
        String label() {
            return description().tokenBudget().map(o -> strategy + " " + o.labelKey() + "=" + budget
                    + (readsSinks() ? " s=" + sinks : "")).orElse(strategy);
        }

        /** Defaults, with the sinks (if read) and the token budget (if declared) set. */
        CacheOptions options() {
            CacheOptions d = CacheOptions.DEFAULTS;
            CacheOptions o = readsSinks() ? d.withWindow(d.window(), sinks) : d;
            return description().tokenBudget().map(t -> t.withTokens(o, budget)).orElse(o);
        }

        CachedTeacherForcing forcing(QualitySpec spec) {
            return new CachedTeacherForcing(strategy, options(), 0, spec.chunk(), spec.prompt());
        }
    }

    /**
     * Running sums of one configuration over passages: the metrics over the scored query positions
     * {@code [from, length - 1)} (the decode steps), the NLL per position over all of them.
     */
    static final class Totals {
        final int from;
        double nll;
        double nllFull;
        double kl;
        long agree;
        long n;
        long peakBytes;
        final double[] nllAt;      // [length - 1] summed over passages
        int passages;

        Totals(int positions, int from) {
            nllAt = new double[positions];
            this.from = from;
        }

        void add(QualityMetrics.Scores s, double[] fullNll, long bytes) {
            for (int p = 0; p < s.positions(); p++) {
                nllAt[p] += s.nll()[p];
                if (p >= from) {
                    nll += s.nll()[p];
                    nllFull += fullNll[p];
                    kl += s.kl()[p];
                    agree += s.topAgree()[p];
                    n++;
                }
            }
            passages++;
            peakBytes = Math.max(peakBytes, bytes);
        }
    }

    public QualityExperiment(Gpt2Model model, Progress progress) {
        this.model = model;
        this.progress = progress;
    }

    /**
     * The configurations of {@code spec}, in table order: per strategy, every budget (x every sink count when it reads
     * sinks) if it declares a token budget, else once at the first budget that fits a passage.
     */
    static List<Config> configs(QualitySpec spec) {
        List<Config> out = new ArrayList<>();
        for (String s : spec.strategies()) {
            StrategyDescription d = KvCacheRegistry.describe(s);
            for (int b : spec.budgets()) {
                if (d.tokenBudget().isPresent()) {
                    if (d.readsOption(CacheOption.SINKS)) {
                        spec.sinks().forEach(k -> out.add(new Config(s, b, k)));
                    } else {
                        out.add(new Config(s, b, 0));
                    }
                } else if (b >= spec.length()) {
                    out.add(new Config(s, b, 0));
                    break;                   // one budget that fits says it all: the result does not depend on it
                }
            }
        }
        return out;
    }

    /** The experiment's two tables. */
    public record Tables(List<QualityRow> quality, List<QualityPositionRow> positions) {
    }

    /** Scores every configuration over {@code passages}. */
    public Tables run(QualitySpec spec, List<int[]> passages, String text, BenchEnv env) {
        List<Config> configs = configs(spec);
        int vocab = model.config().vocabSize();
        Map<Config, Totals> totals = new LinkedHashMap<>();
        configs.forEach(c -> totals.put(c, new Totals(spec.length() - 1, spec.prompt())));
        Totals full = new Totals(spec.length() - 1, spec.prompt());
        for (int i = 0; i < passages.size(); i++) {
            int[] ids = passages.get(i);
            progress.startRun("quality: passage " + (i + 1) + "/" + passages.size() + ", " + configs.size()
                    + " configurations");
            // the full cache: one cache-free pass (equal to a chunked one, CachedTeacherForcingTest)
            CachedTeacherForcing.Pass ref = new CachedTeacherForcing("none", CacheOptions.DEFAULTS, 0, ids.length)
                    .run(model, ids);
            QualityMetrics.Scores self = QualityMetrics.compare(ref.logits(), ref.logits(), vocab, ids);
            full.add(self, self.nll(), 0);
            for (int k = 0; k < configs.size(); k++) {
                Config c = configs.get(k);
                CachedTeacherForcing.Pass pass = c.forcing(spec).run(model, ids);
                totals.get(c).add(QualityMetrics.compare(ref.logits(), pass.logits(), vocab, ids), self.nll(),
                        pass.peakHeldBytes());
                progress.update(k + 1, configs.size());
            }
            progress.endRun(String.format(Locale.ROOT, "full-cache perplexity so far %.2f",
                    Math.exp(full.nll / full.n)));
        }
        List<QualityRow> rows = new ArrayList<>();
        totals.forEach((c, t) -> rows.add(row(c, t, spec, text, env)));
        List<QualityPositionRow> curve = new ArrayList<>();
        positions(full, new Config("none", spec.length(), 0), BenchCharts.FULL, spec, env, curve);
        totals.forEach((c, t) -> positions(t, c, c.label(), spec, env, curve));
        return new Tables(rows, curve);
    }

    private static QualityRow row(Config c, Totals t, QualitySpec spec, String text, BenchEnv env) {
        double ppl = Math.exp(t.nll / t.n);
        double pplFull = Math.exp(t.nllFull / t.n);
        return new QualityRow("quality", c.label(), c.strategy(), c.budget(), c.sinks(), text, t.passages,
                spec.length(), spec.prompt(), t.n, ppl, pplFull, ppl - pplFull, t.kl / t.n, (double) t.agree / t.n,
                t.peakBytes, env);
    }

    /** Perplexity per bucket of query positions (position p predicts token p + 1) of one configuration. */
    private static void positions(Totals t, Config c, String label, QualitySpec spec, BenchEnv env,
                                  List<QualityPositionRow> rows) {
        for (int from = 0; from < t.nllAt.length; from += BUCKET) {
            rows.add(positionRow(c, label, t, spec, env, from));
        }
    }

    private static QualityPositionRow positionRow(Config c, String label, Totals t, QualitySpec spec, BenchEnv env,
                                                  int from) {
        int to = Math.min(t.nllAt.length, from + BUCKET);
        double s = 0;
        for (int p = from; p < to; p++) {
            s += t.nllAt[p];
        }
        return new QualityPositionRow("quality-position", label, c.strategy(), c.budget(), c.sinks(), from, to,
                Math.exp(s / ((to - from) * (double) t.passages)), t.passages, spec.length(), spec.prompt(), env);
    }
}
