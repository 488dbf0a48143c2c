package dev.kvlab.bench;

import dev.kvlab.cache.AttentionView;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.TeacherForcing;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The ring buffer's quality cost, measured by teacher forcing: one forward pass over a seeded sequence with full
 * causal attention (what {@code none}, {@code contiguous} and {@code paged} compute), and one per window with the
 * sliding-window-with-sinks mask (exactly what {@code ring} computes, see {@link AttentionView.Ring}), both by
 * {@link TeacherForcing}, the pass the strategy tests' oracle uses. Scored over
 * positions p >= window, where the window has dropped tokens (earlier positions are identical by construction):
 * <ul>
 *   <li>greedy agreement: share of positions whose argmax equals full attention's;</li>
 *   <li>KL(full || ring) in nats, mean over positions;</li>
 *   <li>NLL gap: mean NLL of the sequence's next token under ring minus under full attention, nats.</li>
 * </ul>
 */
public final class RingQuality {
    private final Gpt2Model model;

    /** Scores of one window. */
    public record Score(int window, int sinks, int positions, double agreement, double kl, double nllFull,
                        double nllRing) {
        public double nllGap() {
            return nllRing - nllFull;
        }
    }

    public RingQuality(Gpt2Model model) {
        this.model = model;
    }

    /** Refuses a length past the model's context (it was silently cut to n_positions and reported as asked). */
    public static void checkLength(RingQualitySpec spec, Gpt2Config c) {
        if (spec.length() > c.nPositions()) {
            throw new IllegalArgumentException("ring quality: length " + spec.length() + " exceeds the model's "
                    + c.nPositions() + " positions (n_positions); give a length of at most " + c.nPositions());
        }
    }

    public List<Score> run(RingQualitySpec spec, Progress progress) {
        Gpt2Config c = model.config();
        checkLength(spec, c);
        int length = spec.length();
        int[] seq = Workloads.tokens(new Random(spec.seed()), length, c.eosTokenId());
        progress.startRun("ring quality: full attention, " + length + " tokens");
        float[][] full = TeacherForcing.causal(model, seq);
        progress.endRun("done");
        List<Score> out = new ArrayList<>();
        for (int w : spec.windows()) {
            progress.startRun("ring quality: window " + w);
            float[][] ring = TeacherForcing.window(model, seq, spec.sinks(), w);
            Score s = score(full, ring, seq, w, spec.sinks());
            progress.endRun(String.format(java.util.Locale.ROOT, "agreement %.1f%%, KL %.3f", 100 * s.agreement(),
                    s.kl()));
            out.add(s);
        }
        return out;
    }

    /** Scores teacher-forced logits {@code [L][vocab]} of the ring against full attention. */
    static Score score(float[][] full, float[][] ring, int[] seq, int window, int sinks) {
        int n = 0;
        int agree = 0;
        double kl = 0;
        double nllFull = 0;
        double nllRing = 0;
        for (int p = window; p < seq.length - 1; p++) {
            double[] lf = logSoftmax(full[p]);
            double[] lr = logSoftmax(ring[p]);
            agree += argmax(lf) == argmax(lr) ? 1 : 0;
            for (int v = 0; v < lf.length; v++) {
                kl += Math.exp(lf[v]) * (lf[v] - lr[v]);
            }
            nllFull -= lf[seq[p + 1]];
            nllRing -= lr[seq[p + 1]];
            n++;
        }
        return new Score(window, sinks, n, n == 0 ? 1 : (double) agree / n, kl / Math.max(1, n),
                nllFull / Math.max(1, n), nllRing / Math.max(1, n));
    }

    static double[] logSoftmax(float[] x) {
        double log = dev.kvlab.runtime.TokenLogprobs.logNormalizer(x);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - log;
        }
        return out;
    }

    static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    public static List<RingQualityRow> rows(List<Score> scores, BenchEnv env, int length) {
        List<RingQualityRow> rows = new ArrayList<>();
        for (Score s : scores) {
            rows.add(new RingQualityRow("ring-quality", s.window(), s.sinks(), length, s.positions(), s.agreement(),
                    s.kl(), s.nllFull(), s.nllRing(), s.nllGap(), env));
        }
        return rows;
    }
}
