package dev.kvlab.model.torch;

import dev.kvlab.cache.AttentionView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * int8 K/V in an {@link KvPool} of {@code INT8} storage: symmetric quantization, values per token (one scale per
 * token and head: max |v| / 127), keys per channel per block (one scale per head and channel for the block's
 * tokens: max |k| / 127 over them, KIVI's split). A block's key scale only grows: when a chunk's keys exceed it,
 * the block's earlier held keys are requantized to the new scale (each such step adds at most half a step of the
 * new scale to them); a block whose earlier tokens are all gone starts afresh. Dequantization happens in the read:
 * {@code q × scale}. Shapes: n = chunk tokens, L = held entries, H = heads, D = head dim.
 */
final class Int8Kv {
    private static final double MAX = 127.0;
    private static final double TINY = 1e-30;

    private Int8Kv() {
    }

    /** Writes one Held chunk's n tokens of layer l: rows [row, row + n) of k and v ({@code [T, H, D]}). */
    static void write(KvPool pool, int l, HeldPlan p, Tensor k, Tensor v) {
        AttentionView.Held view = p.view();
        int[] slots = view.slots()[l];
        int n = p.numRows();
        int old = slots.length - n;
        Tensor newSlots = Tensors.longs(java.util.Arrays.copyOfRange(slots, old, slots.length), k.device());
        Tensor vn = v.narrow(0, p.row(), n).to(ScalarType.Float);                                   // [n, H, D]
        Tensor vs = vn.abs().amax(new long[] {2}, false).div(new Scalar(MAX)).clamp_min(new Scalar(TINY)); // [n, H]
        pool.values(l).index_copy_(0, newSlots, quantize(vn.div(vs.unsqueeze(2))));
        pool.valueScales(l).index_copy_(0, newSlots, vs);
        writeKeys(pool, l, p, slots, old, k.narrow(0, p.row(), n).to(ScalarType.Float));
    }

    /** Per touched block: grow its scale to cover the new keys, requantize its earlier held keys, write the new. */
    private static void writeKeys(KvPool pool, int l, HeldPlan p, int[] slots, int old, Tensor kn) {
        int g = pool.storage().groupTokens();
        Map<Integer, List<Integer>> newRows = new LinkedHashMap<>();   // block -> chunk token indices
        for (int i = old; i < slots.length; i++) {
            newRows.computeIfAbsent(slots[i] / g, b -> new ArrayList<>()).add(i - old);
        }
        Tensor keys = pool.keys(l);
        Tensor scales = pool.keyScales(l);                                                           // [blocks, H, D]
        for (Map.Entry<Integer, List<Integer>> e : newRows.entrySet()) {
            int block = e.getKey();
            List<Integer> oldSlots = new ArrayList<>();
            for (int i = 0; i < old; i++) {
                if (slots[i] / g == block) {
                    oldSlots.add(slots[i]);
                }
            }
            Tensor rows = Tensors.longs(e.getValue().stream().mapToInt(Integer::intValue).toArray(), kn.device());
            Tensor fresh = kn.index_select(0, rows);                                                 // [m, H, D]
            Tensor prev = scales.select(0, block);                                                   // [H, D]
            Tensor need = fresh.abs().amax(new long[] {0}, false).div(new Scalar(MAX));              // [H, D]
            Tensor scale = (oldSlots.isEmpty() ? need : torch.maximum(prev, need)).clamp_min(new Scalar(TINY));
            if (!oldSlots.isEmpty()) {
                Tensor os = Tensors.longs(oldSlots.stream().mapToInt(Integer::intValue).toArray(), kn.device());
                Tensor back = keys.index_select(0, os).to(ScalarType.Float).mul(prev);               // [o, H, D]
                keys.index_copy_(0, os, quantize(back.div(scale)));
            }
            Tensor ns = Tensors.longs(e.getValue().stream().mapToInt(i -> slots[old + i]).toArray(), kn.device());
            keys.index_copy_(0, ns, quantize(fresh.div(scale)));
            prev.copy_(scale);
        }
    }

    /** round, clamp to [-127, 127], int8. */
    private static Tensor quantize(Tensor x) {
        return x.round().clamp(new ScalarOptional(new Scalar(-MAX)), new ScalarOptional(new Scalar(MAX)))
                .to(ScalarType.Char);
    }

    /** Layer l's held keys, dequantized: {@code [L, H, D]} in {@code dtype}. */
    static Tensor keys(KvPool pool, int l, Tensor slots, ScalarType dtype) {
        Tensor blocks = slots.floor_divide(new Scalar(pool.storage().groupTokens()));
        return pool.keys(l).index_select(0, slots).to(ScalarType.Float)
                .mul(pool.keyScales(l).index_select(0, blocks)).to(dtype);
    }

    /** Layer l's held values, dequantized: {@code [L, H, D]} in {@code dtype}. */
    static Tensor values(KvPool pool, int l, Tensor slots, ScalarType dtype) {
        return pool.values(l).index_select(0, slots).to(ScalarType.Float)
                .mul(pool.valueScales(l).index_select(0, slots).unsqueeze(2)).to(dtype);
    }
}
