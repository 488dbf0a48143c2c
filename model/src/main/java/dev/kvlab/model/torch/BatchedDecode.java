package dev.kvlab.model.torch;

import java.util.Arrays;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Decode attention in torch ops, for CUDA (and any dtype): one padded, batched SDPA per layer for all decode rows,
 * no per-sequence loop and no host round-trip. The slot runs of {@link DecodeRows} become, once per step, a slot
 * index {@code [R, Lmax]} (padded with a valid slot) and a mask {@code [R, 1, 1, Lmax]}, copied to the device once;
 * each layer then gathers K/V by that index, attends and scatters the rows back. It reads exactly the slots the
 * CPU kernel reads, from the same lowering: correct by construction, given SDPA. Costs a gather per layer (cheap
 * on a GPU) and padding to the longest row.
 *
 * <p>Statistics ({@link DecodeStats}): when a row attends for them, the layer's call spells the softmax out for all
 * rows at once (scores, mask, softmax, probabilities × V: still one batched computation, no per-row loop) and copies
 * the probabilities of the attending rows to the host in one copy; the key norms of the asking rows are one more
 * small batched computation and copy. The padded layout keeps a row's keys in run order, the order
 * {@link DecodeStats#entries} maps from.
 */
final class BatchedDecode {
    private BatchedDecode() {
    }

    /** The per-step device tensors. */
    record Index(Tensor rows,     // [R] int64: step row of each decode row
                 Tensor slots,    // [R * Lmax] int64: pool slot of key j of row i at i * Lmax + j
                 Tensor mask,     // [R, 1, 1, Lmax] bool: true where j < keys(i)
                 int maxKeys,
                 Tensor attendRows,  // [Ra] int64: decode rows (into [R]) that attend for statistics; null when none
                 Tensor ownSlots) {  // [Rn] int64: own slot of each row asking key norms; null when none

        /** The same rows, measuring nothing (when nobody reads the statistics). */
        Index withoutStats() {
            return attendRows == null && ownSlots == null ? this : new Index(rows, slots, mask, maxKeys, null, null);
        }
    }

    static Index index(DecodeRows d, Device device) {
        int r = d.size();
        int lmax = d.maxKeys();
        int[] slots = new int[r * lmax];
        boolean[] valid = new boolean[r * lmax];
        for (int i = 0; i < r; i++) {
            int j = 0;
            for (int run = d.runOffsets()[i]; run < d.runOffsets()[i + 1]; run++) {
                for (int s = 0; s < d.runLengths()[run]; s++) {
                    slots[i * lmax + j] = d.runStarts()[run] + s;
                    valid[i * lmax + j++] = true;
                }
            }
            for (int pad = j; pad < lmax; pad++) {
                slots[i * lmax + pad] = d.runStarts()[d.runOffsets()[i]];
            }
        }
        Tensor mask = Tensor.create(valid, r, 1, 1, lmax).to(device, torch.ScalarType.Bool);
        DecodeStats st = d.stats();
        Tensor attend = null;
        Tensor own = null;
        if (st != null) {
            int[] a = new int[st.size()];
            int[] o = new int[st.size()];
            int na = 0;
            int no = 0;
            for (int s = 0; s < st.size(); s++) {
                if (st.attends()[s]) {
                    a[na++] = st.rowIndex()[s];
                }
                if (st.keyNorms()[s]) {
                    o[no++] = st.ownSlot()[s];
                }
            }
            attend = na == 0 ? null : Tensors.longs(Arrays.copyOf(a, na), device);
            own = no == 0 ? null : Tensors.longs(Arrays.copyOf(o, no), device);
        }
        return new Index(Tensors.longs(d.rows(), device), Tensors.longs(slots, device), mask, lmax, attend, own);
    }

    /** Where stats row s's probability of key j for head h lies in what {@link #attend} returns. */
    static DecodeStats.Layout layout(DecodeStats st, int heads, int maxKeys) {
        int[] a = new int[st.size()];
        int na = 0;
        for (int s = 0; s < st.size(); s++) {
            a[s] = st.attends()[s] ? na++ : -1;
        }
        return (s, h, j) -> (a[s] * heads + h) * maxKeys + j;
    }

    /**
     * The L2 norm of each asking row's own key per head, {@code [Rn × H]} on the host (one copy), or null.
     *
     * @param poolK {@code [slots, H, D]} the layer's keys (this step's written)
     */
    static float[] keyNorms(Index ix, Tensor poolK) {
        if (ix.ownSlots() == null) {
            return null;
        }
        Tensor k = poolK.index_select(0, ix.ownSlots()).to(torch.ScalarType.Float);               // [Rn, H, D]
        return HeldStats.floats(k.mul(k).sum(new long[] {2}, false, new ScalarTypeOptional()).sqrt()); // [Rn, H]
    }

    /**
     * @param q     {@code [T, H, D]} this step's queries
     * @param poolK {@code [slots, H, D]} the layer's keys (this step's written)
     * @param poolV {@code [slots, H, D]} the layer's values
     * @param out   {@code [T, H * D]}: rows {@code ix.rows} are overwritten
     * @return when rows attend for statistics, their probabilities on the host ({@code [Ra, H, Lmax]}, one copy;
     *         see {@link #layout}), else null
     */
    static float[] attend(Index ix, Tensor q, Tensor poolK, Tensor poolV, Tensor out) {
        long r = ix.rows().size(0);
        long h = q.size(1);
        long dim = q.size(2);
        Tensor qd = q.index_select(0, ix.rows()).unsqueeze(2);                                       // [R, H, 1, D]
        Tensor kd = poolK.index_select(0, ix.slots()).view(r, ix.maxKeys(), h, dim).transpose(1, 2); // [R, H, L, D]
        Tensor vd = poolV.index_select(0, ix.slots()).view(r, ix.maxKeys(), h, dim).transpose(1, 2); // [R, H, L, D]
        if (ix.attendRows() == null) {
            Tensor o = torch.scaled_dot_product_attention(qd, kd, vd, new TensorOptional(ix.mask()), 0.0, false,
                    new DoubleOptional(), false);                                                    // [R, H, 1, D]
            out.index_copy_(0, ix.rows(), o.reshape(r, h * dim));
            return null;
        }
        Tensor scores = torch.matmul(qd, kd.transpose(2, 3)).mul(new Scalar(1.0 / Math.sqrt(dim)))
                .masked_fill(ix.mask().logical_not(), new Scalar(Double.NEGATIVE_INFINITY));        // [R, H, 1, L]
        Tensor probs = torch.softmax(scores, -1);                                                   // [R, H, 1, L]
        out.index_copy_(0, ix.rows(), torch.matmul(probs, vd).reshape(r, h * dim));
        return HeldStats.floats(probs.index_select(0, ix.attendRows()));                            // [Ra, H, 1, L]
    }
}
