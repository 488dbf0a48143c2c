package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The forward pass's reductions in batch-invariant mode ({@link ForwardBatch#batchInvariant()}): every row of a step
 * goes through exactly the operations, shapes and reduction order it would go through alone, so its result is
 * bitwise the same whatever else the step holds (batch size, other sequences' chunks, how its prompt was chunked,
 * whether it was preempted and recomputed). What depends on the batch in the default mode, and what replaces it:
 * <ul>
 *   <li>linear layers and the LM head: one GEMM over all rows (whose kernel and blocking depend on the row count)
 *       becomes one GEMV per row; on packed weights, {@link PanelGemm} over all rows, which is row-exact;</li>
 *   <li>attention: SDPA over a chunk (whose tiling depends on the chunk's query count) or the batched decode kernel
 *       becomes, per row, two matmuls and a softmax over exactly that row's visible keys, in key order;</li>
 *   <li>GELU: one call over [T, F] (which threads split at row-count-dependent points, and whose vector tail runs
 *       scalar code) becomes one call per row.</li>
 * </ul>
 * Layer norm (one kernel call per row, rows independent), additions, embeddings and copies are already row-exact.
 * Invariant for a fixed device, dtype and thread count. Costs: T times the weight reads in linears (prefill becomes
 * memory-bound) and a few small native calls per row, layer and chunk.
 */
final class BatchInvariantOps {
    private BatchInvariantOps() {
    }

    /**
     * {@code x W + b} one row at a time, each row exactly as {@link Linear} computes a lone row (one GEMV on
     * {@code W.t()}): x {@code [T, in]}, W {@code [in, out]} (the tied LM head: {@code wte.t()}), b {@code [out]} or
     * null → {@code [T, out]}.
     */
    static Tensor linear(Tensor x, LinearWeight w, Tensor b) {
        if (w instanceof LinearWeight.Panels p) {
            return Linear.panels(x, p, b);   // row-exact by construction, every row count
        }
        return linear(x, ((LinearWeight.Plain) w).w(), b);
    }

    /** As above, W {@code [in, out]} a torch tensor: one GEMV per row. */
    static Tensor linear(Tensor x, Tensor w, Tensor b) {
        long t = x.size(0);
        Tensor wt = w.t();                                                                      // [out, in] view
        Tensor out = x.new_empty(t, w.size(1));                                                 // [T, out]
        for (long i = 0; i < t; i++) {
            Tensor row = out.select(0, i);
            if (b == null) {
                torch.mv_out(row, wt, x.select(0, i));
            } else {
                torch.addmv_out(row, b, wt, x.select(0, i));
            }
        }
        return out;
    }

    /** GELU (tanh approximation) of {@code x} {@code [T, F]}, one row at a time. */
    static Tensor gelu(Tensor x) {
        Tensor out = torch.empty_like(x);
        for (long i = 0; i < x.size(0); i++) {
            out.select(0, i).copy_(torch.gelu(x.select(0, i), "tanh"));
        }
        return out;
    }

    /**
     * One chunk's attention, row by row: row i of the chunk attends to the keys it sees (by the chunk's mask, or
     * causally: the first {@code L - n + i + 1} keys), in key order.
     *
     * @param q    {@code [n, H, D]} the chunk's queries
     * @param keys {@code [L, H, D]} the chunk's keys as its reader returns them
     * @param vals {@code [L, H, D]}
     * @param mask {@code [n, L]} bool, or null for causal (the chunk is the last n of the L keys)
     * @param out  {@code [n, E]} written
     */
    static void attention(Tensor q, Tensor keys, Tensor vals, Tensor mask, Tensor out) {
        long n = q.size(0);
        long l = keys.size(0);
        Scalar scale = new Scalar(1.0 / Math.sqrt(q.size(2)));
        for (long i = 0; i < n; i++) {
            Tensor k;
            Tensor v;
            if (mask == null) {
                k = keys.narrow(0, 0, l - n + i + 1);                                   // [m, H, D]
                v = vals.narrow(0, 0, l - n + i + 1);
            } else {
                Tensor idx = mask.select(0, i).nonzero().flatten();                     // [m] int64, ascending
                k = keys.index_select(0, idx);
                v = vals.index_select(0, idx);
            }
            Tensor s = torch.matmul(k.transpose(0, 1), q.select(0, i).mul(scale).unsqueeze(2));   // [H, m, 1]
            Tensor p = torch.softmax(s, 1);                                                        // [H, m, 1]
            Tensor o = torch.matmul(v.permute(1, 2, 0), p);                                        // [H, D, 1]
            out.select(0, i).copy_(o.reshape(out.size(1)));
        }
    }
}
