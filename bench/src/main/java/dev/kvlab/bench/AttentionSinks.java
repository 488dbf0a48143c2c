package dev.kvlab.bench;

import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.AttentionProbe;
import dev.kvlab.model.torch.Gpt2Model;
import java.util.ArrayList;
import java.util.List;

/**
 * Attention-sink statistics per layer ({@link AttentionProbe}), averaged over passages: the share of attention on
 * the first token and on the previous token, beside the first-token share a uniform head would give (mean of
 * 1/(q+1) over the same query positions q >= 2).
 */
final class AttentionSinks {
    private AttentionSinks() {
    }

    static List<AttentionRow> rows(TensorSource weights, Gpt2Model model, List<int[]> passages, String text,
                                          BenchEnv env) {
        int layers = model.config().nLayer();
        double[] first = new double[layers];
        double[] prev = new double[layers];
        double uniform = 0;
        try (AttentionProbe probe = new AttentionProbe(weights, model.device())) {
            for (int[] ids : passages) {
                AttentionProbe.Result r = probe.run(ids);
                for (int l = 0; l < layers; l++) {
                    first[l] += r.firstTokenShare()[l] / passages.size();
                    prev[l] += r.previousTokenShare()[l] / passages.size();
                }
                uniform += uniformFirstShare(ids.length) / passages.size();
            }
        }
        List<AttentionRow> rows = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            rows.add(new AttentionRow("attention", l, first[l], prev[l], uniform, text, passages.size(),
                    passages.get(0).length, env));
        }
        return rows;
    }

    /** Mean over query positions q in [2, n) of 1 / (q + 1). */
    static double uniformFirstShare(int n) {
        double s = 0;
        for (int q = 2; q < n; q++) {
            s += 1.0 / (q + 1);
        }
        return s / (n - 2);
    }
}
