package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The linear layers' one op, {@code y = x W^T + b} for x {@code [T, in]}, W {@code [out, in]} contiguous (see
 * {@link LayerWeights}; the tied lm_head {@code wte} has this layout too), b {@code [out]} or null. Chosen per row
 * count by measurement ({@code LinearBench}, docs/COMPARISON.md "Linear layers"): up to {@link #MAX_GEMV_ROWS} rows
 * (batch-1 and batch-2 decode) run as one GEMV per row ({@code addmv}: a bandwidth-bound read of W, the second row
 * finding it in the last-level cache); more rows run as one GEMM ({@code linear}), which packs W once per call.
 * Both read W in its stored layout; HF's {@code [in, out]} with {@code addmm} was no faster at any row count and 2x
 * slower for the lm_head.
 */
final class Linear {
    /** Row counts up to this run as GEMVs; measured faster than a GEMM at 1 and 2 rows, not from 3 on. */
    static final int MAX_GEMV_ROWS = 2;

    private Linear() {
    }

    /** {@code [T, out]} in x's dtype. */
    static Tensor apply(Tensor x, Tensor w, Tensor b) {
        long rows = x.size(0);
        if (rows == 1) {
            return gemv(x.select(0, 0), w, b).unsqueeze(0);
        }
        if (rows <= MAX_GEMV_ROWS) {
            Tensor y = x.new_empty(rows, w.size(0));                                     // [T, out]
            for (int r = 0; r < rows; r++) {
                Tensor row = y.select(0, r);
                if (b == null) {
                    torch.mv_out(row, w, x.select(0, r));
                } else {
                    torch.addmv_out(row, b, w, x.select(0, r));
                }
            }
            return y;
        }
        return b == null ? torch.linear(x, w) : torch.linear(x, w, new TensorOptional(b));
    }

    private static Tensor gemv(Tensor row, Tensor w, Tensor b) {
        return b == null ? torch.mv(w, row) : torch.addmv(b, w, row);
    }
}
