package dev.kvlab.runtime;

/**
 * Per-position quality scores of teacher-forced logits, in double precision. Logits are row-major
 * {@code [positions * vocab]}; row p predicts token p + 1, so a sequence of n tokens has n - 1 scored positions.
 * Natural logarithms (nats) throughout; perplexity = exp(mean NLL).
 */
public final class QualityMetrics {
    private QualityMetrics() {
    }

    /**
     * Scores of one pass against the sequence and against a reference pass of the same sequence.
     *
     * @param nll      per scored position p: -log P(ids[p + 1]) under the pass
     * @param kl       per scored position: KL(reference ‖ pass) = Σ_v P_ref(v) (log P_ref(v) - log P(v))
     * @param topAgree per scored position: 1 if the pass's argmax equals the reference's (lowest id wins ties)
     */
    public record Scores(double[] nll, double[] kl, int[] topAgree) {
        public int positions() {
            return nll.length;
        }
    }

    /** NLL of each next token: {@code [ids.length - 1]}. */
    public static double[] nll(float[] logits, int vocab, int[] ids) {
        double[] out = new double[ids.length - 1];
        for (int p = 0; p < out.length; p++) {
            out[p] = -logSoftmax(logits, p * vocab, vocab)[ids[p + 1]];
        }
        return out;
    }

    /** Scores of {@code pass} against {@code reference} (same sequence {@code ids}, same shape). */
    public static Scores compare(float[] reference, float[] pass, int vocab, int[] ids) {
        if (reference.length != pass.length || pass.length != ids.length * vocab) {
            throw new IllegalArgumentException("logits must both be [" + ids.length + " x " + vocab + "]");
        }
        int n = ids.length - 1;
        double[] nll = new double[n];
        double[] kl = new double[n];
        int[] agree = new int[n];
        for (int p = 0; p < n; p++) {
            double[] lr = logSoftmax(reference, p * vocab, vocab);
            double[] lp = logSoftmax(pass, p * vocab, vocab);
            nll[p] = -lp[ids[p + 1]];
            double k = 0;
            for (int v = 0; v < vocab; v++) {
                k += Math.exp(lr[v]) * (lr[v] - lp[v]);
            }
            kl[p] = Math.max(0.0, k);       // rounding can make a zero divergence a tiny negative
            agree[p] = argmax(lr) == argmax(lp) ? 1 : 0;
        }
        return new Scores(nll, kl, agree);
    }

    /** log softmax of {@code x[from, from + n)} in double, by {@link TokenLogprobs#logNormalizer}. */
    public static double[] logSoftmax(float[] x, int from, int n) {
        double log = TokenLogprobs.logNormalizer(x, from, n);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = x[from + i] - log;
        }
        return out;
    }

    /** Index of the largest value; the lowest index wins ties. */
    public static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Mean of {@code x}; 0 for an empty array. */
    public static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return x.length == 0 ? 0 : s / x.length;
    }
}
