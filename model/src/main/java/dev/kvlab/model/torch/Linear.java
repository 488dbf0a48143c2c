package dev.kvlab.model.torch;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The linear layers' one op, {@code y = x W + b} for x {@code [T, in]}, W {@code [in, out]} ({@link LinearWeight}),
 * b {@code [out]} or null. Chosen per weight storage and row count by measurement ({@code LinearBench}, paired;
 * docs/COMPARISON.md, "Linear layers"), gpt2 shapes, weights cycled past the last-level cache:
 * <ul>
 *   <li>packed weights ({@link LinearWeight.Panels}, the CPU float32 default): up to {@link #MAX_PANEL_ROWS} rows
 *       kvlab's {@link PanelGemm}, which reads each weight once per call in storage order: as fast as OpenBLAS's
 *       GEMV at 1 row and 1.5-4x faster than {@code addmm} (which packs the whole weight every call) at 2-64 rows;
 *       more rows (prefill) torch's GEMM on a temporary {@code [in, out]} copy, where the copy is a small share;</li>
 *   <li>plain weights (CUDA, bf16/fp16, {@link LinearPath#TORCH}): up to {@link #MAX_GEMV_ROWS} rows one GEMV per
 *       row on {@code W.t()} (OpenBLAS's {@code sgemv_n} over the contiguous {@code [in, out]} weight: 1.3-5x
 *       faster than on {@code [out, in]}), more rows one {@code addmm}; {@code linear} on an {@code [out, in]} copy
 *       was no faster.</li>
 * </ul>
 */
final class Linear {
    /** Plain weights: row counts up to this run as GEMVs; faster than one GEMM at 1 and 2 rows, not from 3 on. */
    static final int MAX_GEMV_ROWS = 2;
    /**
     * Packed weights ({@link LinearWeight.Panels}): row counts up to this run through {@link PanelGemm}, more
     * through torch's GEMM on a temporary {@code [in, out]} copy. The crossover, measured (LinearBench).
     */
    static final int MAX_PANEL_ROWS = 128;

    private Linear() {
    }

    /** {@code [T, out]} in x's dtype: x {@code [T, in]}, b {@code [out]} or null. */
    static Tensor apply(Tensor x, LinearWeight w, Tensor b) {
        if (w instanceof LinearWeight.Panels p) {
            return x.size(0) <= MAX_PANEL_ROWS ? panels(x, p, b) : copiedGemm(x, p, b);
        }
        return apply(x, ((LinearWeight.Plain) w).w(), b);
    }

    /** {@link PanelGemm} over every row of x: row-exact (a row's result does not depend on the others). */
    static Tensor panels(Tensor x, LinearWeight.Panels w, Tensor b) {
        int rows = (int) x.size(0);
        Tensor y = x.new_empty(rows, w.out());                                            // [T, out]
        if (rows == 0) {
            return y;
        }
        Tensor xr = x.stride(1) == 1 ? x : x.contiguous();                                // [T, in], rows strided
        int stride = (int) xr.stride(0);
        FloatBuffer xs = xr.data_ptr_float().capacity((long) (rows - 1) * stride + w.in()).asBuffer();
        FloatBuffer bs = b == null ? null : b.contiguous().data_ptr_float().capacity(w.out()).asBuffer();
        w.gemm().run(xs, rows, stride, w, bs, y.data_ptr_float().capacity((long) rows * w.out()).asBuffer());
        return y;
    }

    /** torch's GEMM on a temporary {@code [in, out]} copy of the panels, freed before returning. */
    private static Tensor copiedGemm(Tensor x, LinearWeight.Panels w, Tensor b) {
        Tensor y = x.new_empty(x.size(0), w.out());                                        // [T, out]
        try (PointerScope scope = new PointerScope()) {
            Tensor inOut = w.inOutCopy();                                                  // [in, out]
            if (b == null) {
                torch.mm_out(y, x, inOut);
            } else {
                torch.addmm_out(y, b, x, inOut);
            }
        }
        return y;
    }

    /** {@code [T, out]} in x's dtype, W {@code [in, out]} a torch tensor. */
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
