package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DoubleOptional;
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
 */
final class BatchedDecode {
    private BatchedDecode() {
    }

    /** The per-step device tensors. */
    record Index(Tensor rows,     // [R] int64: step row of each decode row
                 Tensor slots,    // [R * Lmax] int64: pool slot of key j of row i at i * Lmax + j
                 Tensor mask,     // [R, 1, 1, Lmax] bool: true where j < keys(i)
                 int maxKeys) {
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
        return new Index(Tensors.longs(d.rows(), device), Tensors.longs(slots, device), mask, lmax);
    }

    /**
     * @param q     {@code [T, H, D]} this step's queries
     * @param poolK {@code [slots, H, D]} the layer's keys (this step's written)
     * @param poolV {@code [slots, H, D]} the layer's values
     * @param out   {@code [T, H * D]}: rows {@code ix.rows} are overwritten
     */
    static void attend(Index ix, Tensor q, Tensor poolK, Tensor poolV, Tensor out) {
        long r = ix.rows().size(0);
        long h = q.size(1);
        long dim = q.size(2);
        Tensor qd = q.index_select(0, ix.rows()).unsqueeze(2);                                       // [R, H, 1, D]
        Tensor kd = poolK.index_select(0, ix.slots()).view(r, ix.maxKeys(), h, dim).transpose(1, 2); // [R, H, L, D]
        Tensor vd = poolV.index_select(0, ix.slots()).view(r, ix.maxKeys(), h, dim).transpose(1, 2); // [R, H, L, D]
        Tensor o = torch.scaled_dot_product_attention(qd, kd, vd, new TensorOptional(ix.mask()), 0.0, false,
                new DoubleOptional(), false);                                                        // [R, H, 1, D]
        out.index_copy_(0, ix.rows(), o.reshape(r, h * dim));
    }
}
