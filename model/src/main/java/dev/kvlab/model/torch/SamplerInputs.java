package dev.kvlab.model.torch;

import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One step's inputs of {@link DeviceSampler}, on the logits' device: R = the rows the step samples with a
 * temperature. Built from host values in one host-to-device copy; the tensors belong to the caller's PointerScope.
 * Invariant: every tensor has R rows, in the order of the rows given, and lives on the device given.
 */
public final class SamplerInputs {
    final Tensor rows;         // [R] int64: each row's index in the step's [S, vocab] logits
    final Tensor u;            // [R, 1] float64: the row's uniform draw in [0, 1)
    final Tensor temperature;  // [R, 1] float64, > 0
    final Tensor topK;         // [R, 1] int64 in [1, vocab]: most tokens kept (vocab: no limit)
    final Tensor topP;         // [R, 1] float64 in (0, 1]: nucleus mass (1: no nucleus)
    /**
     * How many of each row's largest logits the thresholds read: the largest limited top-k, or vocab when a row's
     * nucleus runs over an unlimited top-k; 0 when no row has a threshold (every row keeps all its tokens).
     */
    final long prefix;

    /**
     * One sampled row: its index in the step's logits, its request's draw for this step and settings.
     *
     * @param topK 0 = no limit
     */
    public record Row(int index, double u, double temperature, int topK, double topP) {
    }

    /** @param rows at least one */
    public SamplerInputs(List<Row> rows, long vocab, Device device) {
        int n = rows.size();
        double[] packed = new double[5 * n];   // [5, R]: index, u, temperature, top-k, top-p (all exact in float64)
        long most = 0;
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            boolean limited = r.topK() > 0 && r.topK() < vocab;
            most = Math.max(most, limited ? r.topK() : r.topP() < 1.0 ? vocab : 0);
            packed[i] = r.index();
            packed[n + i] = r.u();
            packed[2 * n + i] = r.temperature();
            packed[3 * n + i] = r.topK() > 0 ? Math.min(r.topK(), vocab) : vocab;
            packed[4 * n + i] = r.topP();
        }
        Tensor all = Tensor.create(packed, 5, n).to(device, ScalarType.Double);   // the one host-to-device copy
        this.rows = all.select(0, 0).to(ScalarType.Long);
        this.u = all.select(0, 1).unsqueeze(1);
        this.temperature = all.select(0, 2).unsqueeze(1);
        this.topK = all.select(0, 3).to(ScalarType.Long).unsqueeze(1);
        this.topP = all.select(0, 4).unsqueeze(1);
        this.prefix = most;
    }

    /** {@code [R]} int64: the sampled rows' indices in the step's logits. */
    public Tensor rows() {
        return rows;
    }
}
