package dev.kvlab.bench;

import dev.kvlab.cache.CacheOptions;
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
 * through every strategy configuration, by {@link CachedTeacherForcing} (the real cache, in chunks). Per configuration,
 * over all scored positions of all passages: perplexity, its change vs the full cache, mean KL(full ‖ strategy),
 * top-1 agreement with the full cache, and the most K/V bytes held. A ring's budget is its window; a strategy that
 * holds every token is scored only at budgets that fit a whole passage (below that it has no room: no quality).
 */
public final class QualityExperiment {
    /** Width of the position buckets of the perplexity-vs-position curve, tokens. */
    static final int BUCKET = 32;

    private final Gpt2Model model;
    private final Progress progress;

    /** One scored configuration: a strategy at a KV budget (the ring's window) with its sinks. */
    record Config(String strategy, int budget, int sinks) {
        String label() {
            return strategy.equals("ring") ? "ring w=" + budget + " s=" + sinks : strategy;
        }

        CachedTeacherForcing forcing(int chunk) {
            CacheOptions o = strategy.equals("ring") ? CacheOptions.DEFAULTS.withWindow(budget, sinks)
                    : CacheOptions.DEFAULTS;
            return new CachedTeacherForcing(strategy, o, budget, chunk);
        }
    }

    /** Running sums of one configuration over passages. */
    static final class Totals {
        double nll;
        double nllFull;
        double kl;
        long agree;
        long n;
        long peakBytes;
        final double[] nllAt;      // [length - 1] summed over passages
        int passages;

        Totals(int positions) {
            nllAt = new double[positions];
        }

        void add(QualityMetrics.Scores s, double[] fullNll, long bytes) {
            for (int p = 0; p < s.positions(); p++) {
                nll += s.nll()[p];
                nllFull += fullNll[p];
                kl += s.kl()[p];
                agree += s.topAgree()[p];
                nllAt[p] += s.nll()[p];
            }
            n += s.positions();
            passages++;
            peakBytes = Math.max(peakBytes, bytes);
        }
    }

    public QualityExperiment(Gpt2Model model, Progress progress) {
        this.model = model;
        this.progress = progress;
    }

    /** The configurations of {@code spec}, in table order: the full-holding strategies, then the ring. */
    static List<Config> configs(QualitySpec spec) {
        List<Config> out = new ArrayList<>();
        for (String s : spec.strategies()) {
            for (int b : spec.budgets()) {
                if (s.equals("ring")) {
                    spec.sinks().forEach(k -> out.add(new Config(s, b, k)));
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
        configs.forEach(c -> totals.put(c, new Totals(spec.length() - 1)));
        Totals full = new Totals(spec.length() - 1);
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
                CachedTeacherForcing.Pass pass = c.forcing(spec.chunk()).run(model, ids);
                totals.get(c).add(QualityMetrics.compare(ref.logits(), pass.logits(), vocab, ids), self.nll(),
                        pass.peakLiveBytes());
                progress.update(k + 1, configs.size());
            }
            progress.endRun(String.format(Locale.ROOT, "full-cache perplexity so far %.2f",
                    Math.exp(full.nll / full.n)));
        }
        List<QualityRow> rows = new ArrayList<>();
        totals.forEach((c, t) -> rows.add(row(c, t, spec, text, env)));
        List<QualityPositionRow> curve = new ArrayList<>();
        positions(full, "full cache", spec, env, curve);
        totals.forEach((c, t) -> {
            if (c.strategy().equals("ring")) {
                positions(t, c.label(), spec, env, curve);
            }
        });
        return new Tables(rows, curve);
    }

    private static QualityRow row(Config c, Totals t, QualitySpec spec, String text, BenchEnv env) {
        double ppl = Math.exp(t.nll / t.n);
        double pplFull = Math.exp(t.nllFull / t.n);
        return new QualityRow("quality", c.label(), c.strategy(), c.budget(), c.sinks(), text, t.passages,
                spec.length(), t.n, ppl, pplFull, ppl - pplFull, t.kl / t.n, (double) t.agree / t.n, t.peakBytes, env);
    }

    /** Perplexity per bucket of query positions (position p predicts token p + 1) of one configuration. */
    private static void positions(Totals t, String label, QualitySpec spec, BenchEnv env,
                                  List<QualityPositionRow> rows) {
        for (int from = 0; from < t.nllAt.length; from += BUCKET) {
            rows.add(positionRow(label, t, spec, env, from));
        }
    }

    private static QualityPositionRow positionRow(String label, Totals t, QualitySpec spec, BenchEnv env, int from) {
        int to = Math.min(t.nllAt.length, from + BUCKET);
        double s = 0;
        for (int p = from; p < to; p++) {
            s += t.nllAt[p];
        }
        return new QualityPositionRow("quality-position", label, from, to,
                Math.exp(s / ((to - from) * (double) t.passages)), t.passages, spec.length(), env);
    }
}
