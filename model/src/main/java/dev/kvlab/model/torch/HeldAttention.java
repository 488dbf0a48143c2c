package dev.kvlab.model.torch;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Attention of one chunk over the entries its {@link HeldPlan} lists for a layer (gathered from the layer's pool by
 * slot), and the statistics the cache asked for. Without statistics it is one SDPA, like every other per-chunk read;
 * with attention statistics it spells the softmax out, so the probabilities it sums are the ones it attends with.
 * An int8 pool is dequantized as it is gathered ({@link Int8Kv}).
 * Shapes: n = chunk tokens, L = held entries of the layer, H = heads, D = head dim, E = H * D.
 */
final class HeldAttention {
    private HeldAttention() {
    }

    /**
     * @param q     {@code [T, H, D]} this step's queries
     * @param k     {@code [T, H, D]} this step's keys (for key norms)
     * @param stats where the chunk's statistics go, or null when nobody reads them
     * @return {@code [n, E]}
     */
    static Tensor attend(int l, HeldPlan p, Tensor q, Tensor k, KvPool pool, HeldStats stats) {
        int n = p.numRows();
        Tensor qc = q.narrow(0, p.row(), n).transpose(0, 1);                                        // [H, n, D]
        Tensor kc = (pool.quantized() ? Int8Kv.keys(pool, l, p.slots()[l], q.scalar_type())
                : pool.keys(l).index_select(0, p.slots()[l])).transpose(0, 1);                      // [H, L, D]
        Tensor vc = (pool.quantized() ? Int8Kv.values(pool, l, p.slots()[l], q.scalar_type())
                : pool.values(l).index_select(0, p.slots()[l])).transpose(0, 1);                    // [H, L, D]
        Tensor mask = p.masks()[l];                                                                  // [n, L] or null
        if (stats != null && p.stats().keyNorms()) {
            Tensor kn = k.narrow(0, p.row(), n);                                                     // [n, H, D]
            stats.keyNorms(l, kn.mul(kn).sum(new long[] {2}, false, new ScalarTypeOptional()).sqrt().t()); // [H, n]
        }
        Tensor o;
        if (stats != null && p.stats().wantsAttention()) {
            Tensor scores = torch.matmul(qc, kc.transpose(1, 2)).mul(new Scalar(1.0 / Math.sqrt(q.size(2)))); // [H, n, L]
            if (mask != null) {
                scores = scores.masked_fill(mask.logical_not(), new Scalar(Double.NEGATIVE_INFINITY));
            }
            Tensor probs = torch.softmax(scores, -1);                                                // [H, n, L]
            int from = Math.max(0, Math.min(n, p.stats().attentionFrom() - p.firstPosition()));
            stats.attention(l, probs.narrow(1, from, n - from).sum(new long[] {1}, false, new ScalarTypeOptional()));
            o = torch.matmul(probs, vc);                                                             // [H, n, D]
        } else {
            TensorOptional m = mask == null ? new TensorOptional() : new TensorOptional(mask);
            o = torch.scaled_dot_product_attention(qc.unsqueeze(0), kc.unsqueeze(0), vc.unsqueeze(0), m, 0.0, false,
                    new DoubleOptional(), false).select(0, 0);                                       // [H, n, D]
        }
        return o.transpose(0, 1).reshape(n, q.size(1) * q.size(2));                                  // [n, E]
    }
}
