package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The linear layers' one op, {@code y = x W + b} for x {@code [T, in]}, W {@code [in, out]}, b {@code [out]} or null.
 * Blocks pass their HF Conv1D weights ({@link LayerWeights}, contiguous); the tied lm_head passes {@code wte.t()}.
 * Chosen per row count by measurement ({@code LinearBench}; docs/COMPARISON.md, "Step speed"), 1 OpenBLAS thread,
 * gpt2-small shapes, weights cycled past the last-level cache:
 * <ul>
 *   <li>up to {@link #MAX_GEMV_ROWS} rows (batch-1 and batch-2 decode): one GEMV per row on {@code W.t()}, OpenBLAS's
 *       {@code sgemv_n} over the contiguous {@code [in, out]} weight. It ran 1.3-5x faster than GEMV on a weight
 *       stored {@code [out, in]} ({@code sgemv_t}; qkv 384 vs 1154 us, fc2 531 vs 2754 us) and 3-20x faster than a
 *       one-row GEMM, which packs the whole weight every call;</li>
 *   <li>more rows: one GEMM ({@code addmm}); {@code linear} on an {@code [out, in]} copy was no faster.</li>
 * </ul>
 */
final class Linear {
    /** Row counts up to this run as GEMVs; faster than one GEMM at 1 and 2 rows, not from 3 on. */
    static final int MAX_GEMV_ROWS = 2;

    private Linear() {
    }

    /** {@code [T, out]} in x's dtype. */
    static Tensor apply(Tensor x, Tensor w, Tensor b) {
        long rows = x.size(0);
        Tensor wt = w.t();                                                               // [out, in] view
        if (rows == 1) {
            Tensor row = x.select(0, 0);
            return (b == null ? torch.mv(wt, row) : torch.addmv(b, wt, row)).unsqueeze(0);
        }
        if (rows <= MAX_GEMV_ROWS) {
            Tensor y = x.new_empty(rows, w.size(1));                                     // [T, out]
            for (int r = 0; r < rows; r++) {
                if (b == null) {
                    torch.mv_out(y.select(0, r), wt, x.select(0, r));
                } else {
                    torch.addmv_out(y.select(0, r), b, wt, x.select(0, r));
                }
            }
            return y;
        }
        return b == null ? torch.mm(x, w) : torch.addmm(b, x, w);
    }
}
