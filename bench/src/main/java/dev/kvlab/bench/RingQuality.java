package dev.kvlab.bench;

import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.torch.ForwardBatch;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.KvPool;
import dev.kvlab.model.torch.SeqChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The ring buffer's quality cost, measured by teacher forcing: one forward pass over a seeded sequence with full
 * causal attention (what {@code none}, {@code contiguous} and {@code paged} compute), and one per window with the
 * sliding-window-with-sinks mask (exactly what {@code ring} computes, see {@link AttentionView.Ring}). Scored over
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

    public List<Score> run(RingQualitySpec spec, Progress progress) {
        Gpt2Config c = model.config();
        int length = Math.min(spec.length(), c.nPositions());
        int[] seq = Workloads.tokens(new Random(spec.seed()), length, c.eosTokenId());
        progress.startRun("ring quality: full attention, " + length + " tokens");
        float[] full = logits(seq, new AttentionView.Recompute());
        progress.endRun("done");
        List<Score> out = new ArrayList<>();
        for (int w : spec.windows()) {
            progress.startRun("ring quality: window " + w);
            float[] ring = logits(seq, new AttentionView.Ring(new int[0], new int[0], spec.sinks(), w));
            Score s = score(full, ring, seq, w, spec.sinks(), c.vocabSize());
            progress.endRun(String.format(java.util.Locale.ROOT, "agreement %.1f%%, KL %.3f", 100 * s.agreement(),
                    s.kl()));
            out.add(s);
        }
        return out;
    }

    /** Next-token logits of every position, row-major {@code [L * vocab]}. */
    private float[] logits(int[] seq, AttentionView view) {
        Allocation.Granted nothingStored = new Allocation.Granted(new int[0], new int[0], view, List.of());
        SeqChunk chunk = new SeqChunk(seq, 0, nothingStored, true);
        Gpt2Config c = model.config();
        CacheSpec empty = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), model.dtype().bytes(), 0, c.nPositions());
        try (PointerScope scope = new PointerScope(); KvPool none = new KvPool(empty, 1, model.device(), model.dtype())) {
            Tensor t = model.forwardAllRows(new ForwardBatch(List.of(chunk)), none).contiguous();   // [L, vocab]
            float[] out = new float[(int) t.numel()];
            t.data_ptr_float().get(out);
            return out;
        }
    }

    static Score score(float[] full, float[] ring, int[] seq, int window, int sinks, int vocab) {
        int n = 0;
        int agree = 0;
        double kl = 0;
        double nllFull = 0;
        double nllRing = 0;
        for (int p = window; p < seq.length - 1; p++) {
            double[] lf = logSoftmax(full, p * vocab, vocab);
            double[] lr = logSoftmax(ring, p * vocab, vocab);
            agree += argmax(lf) == argmax(lr) ? 1 : 0;
            for (int v = 0; v < vocab; v++) {
                kl += Math.exp(lf[v]) * (lf[v] - lr[v]);
            }
            nllFull -= lf[seq[p + 1]];
            nllRing -= lr[seq[p + 1]];
            n++;
        }
        return new Score(window, sinks, n, n == 0 ? 1 : (double) agree / n, kl / Math.max(1, n),
                nllFull / Math.max(1, n), nllRing / Math.max(1, n));
    }

    static double[] logSoftmax(float[] x, int from, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[from + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[from + i] - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = x[from + i] - log;
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
