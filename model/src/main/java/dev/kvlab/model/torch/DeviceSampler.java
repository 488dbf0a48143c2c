package dev.kvlab.model.torch;

import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Samples one token per row on the logits' device, all rows of a step in one batched computation, in float64:
 * temperature, then top-k, then top-p (nucleus), then one draw {@code u} the host took from the request's own
 * stream. Only the picked ids leave the device. Its oracle is the tests' host sampler (TokenSampler, plain Java in
 * double), which it matches except where {@code u * total} falls within rounding of an interval edge.
 *
 * <p>Invariants (stability): the kept tokens are found by thresholds (the k-th largest logit; the logit at which
 * the nucleus, summed from the largest weight down, first reaches top-p of the top-k mass) and the draw lays the
 * kept tokens' intervals out in <em>vocabulary order</em> (a cumulative sum, then the first upper edge past
 * {@code u * total}), never in an order sorted by logit. So a tiny change of the logits (the last bits a batched
 * matmul differs in) moves each interval by a tiny amount and changes the token only when the draw falls within
 * that amount of an edge, or a token sits exactly at a threshold. Ties at a threshold keep the lower token ids.
 * Temperature divides logit differences ({@code (l - max) / T}), so any {@code T > 0}, however small, gives finite
 * weights (tiny T tends to greedy), never NaN. Suppressed tokens (-inf) are never kept. The nucleus's count is
 * found on the weights and kept as the count largest logits: weights grow with logits, and distinct logits share a
 * weight only where it underflows, far below any mass the nucleus needs. Every op runs on the
 * logits' device (and has a Meta kernel, so DevicePlacementTest runs it on {@code meta}).
 */
public final class DeviceSampler {
    private static final long[] ROW = {1};

    private DeviceSampler() {
    }

    /**
     * @param logits {@code [R, vocab]} float32, the rows of {@code in} in its order; finite except suppressed
     *               tokens (-inf), at least one not suppressed (other rows pick some id in range)
     * @return {@code [R]} int64 on the logits' device: each row's token
     */
    public static Tensor pick(Tensor logits, SamplerInputs in) {
        long vocab = logits.size(1);
        Tensor position = torch.arange(new Scalar(0), new Scalar(vocab),                             // [1, V]
                new TensorOptions(ScalarType.Long).device(new DeviceOptional(logits.device()))).unsqueeze(0);
        Tensor max = logits.amax(ROW, true).to(ScalarType.Double);                 // [R, 1]
        Tensor allowed = logits.ne(new Scalar(Double.NEGATIVE_INFINITY));          // [R, V] not suppressed
        Tensor keep = in.prefix == 0 ? allowed : kept(logits, allowed, max, position, in);   // [R, V] bool
        Tensor w = weights(logits, max, in.temperature).mul(keep);                 // [R, V] 0 where dropped
        return draw(w, keep, position, in.u);
    }

    /**
     * The tokens top-k and the nucleus keep. Their thresholds read only each row's {@code in.prefix} largest logits
     * (a partial top-k, not a sort of the vocabulary, when every limit is small); rows with neither limit keep
     * every token not suppressed.
     */
    private static Tensor kept(Tensor logits, Tensor allowed, Tensor max, Tensor position, SamplerInputs in) {
        long vocab = logits.size(1);
        Tensor sorted = in.prefix < vocab                                          // [R, m] largest first
                ? logits.topk(in.prefix, 1, true, true).get0() : torch.sort(logits, 1, true).get0();
        Tensor candidates = allowed.sum(ROW, true, longs());                       // [R, 1]
        Tensor k = torch.minimum(in.topK, candidates).clamp_min(new Scalar(1));    // [R, 1] top-k's count
        Tensor count = torch.minimum(nucleusCount(sorted, max, k, position, in), k);   // [R, 1] in [1, k]
        Tensor limited = in.topK.lt(new Scalar(vocab)).bitwise_or(in.topP.lt(new Scalar(1.0)));   // [R, 1]
        Tensor free = in.topK.ge(new Scalar(vocab)).bitwise_and(in.topP.ge(new Scalar(1.0)));     // [R, 1] the others
        Tensor keep = largest(logits, sorted, count.clamp_max(new Scalar(sorted.size(1))));  // right where limited
        return keep.bitwise_and(limited).bitwise_or(allowed.bitwise_and(free));
    }

    /** int64 for reductions (a new one per use: a pointer made outside the caller's PointerScope would leak). */
    private static ScalarTypeOptional longs() {
        return new ScalarTypeOptional(ScalarType.Long);
    }

    /** {@code exp((l - max) / T)} in float64: 1 at the max, finite for any T > 0. */
    private static Tensor weights(Tensor logits, Tensor max, Tensor temperature) {
        return logits.to(ScalarType.Double).sub(max).div(temperature).exp();
    }

    /**
     * How many of the top-k tokens the nucleus keeps: walking the top-k weights from the largest down (sorted
     * order: a cumulative sum), the count at which the mass first reaches top-p of their total; k for rows whose
     * top-p is 1 (no nucleus: their target is infinite, so every top-k token counts).
     */
    private static Tensor nucleusCount(Tensor sorted, Tensor max, Tensor k, Tensor position, SamplerInputs in) {
        Tensor head = position.narrow(1, 0, sorted.size(1));                       // [1, m]
        Tensor ws = weights(sorted, max, in.temperature).mul(head.lt(k));         // [R, m] top-k weights, then 0
        Tensor mass = ws.cumsum(1);                                                // [R, m]
        Tensor target = mass.narrow(1, mass.size(1) - 1, 1).mul(in.topP)          // [R, 1]
                .masked_fill(in.topP.ge(new Scalar(1.0)), new Scalar(Double.POSITIVE_INFINITY));
        return mass.lt(target).sum(ROW, true, longs()).add(new Scalar(1));
    }

    /**
     * The {@code count} largest logits of each row, ties at the count-th value kept lowest ids first.
     *
     * @param sorted {@code [R, m]} each row's m largest logits, largest first; count in [1, m]
     */
    private static Tensor largest(Tensor logits, Tensor sorted, Tensor count) {
        Tensor threshold = sorted.gather(1, count.sub(new Scalar(1)));             // [R, 1] the count-th largest
        Tensor above = logits.gt(threshold);                                       // [R, V]
        Tensor ties = logits.eq(threshold);                                        // [R, V]
        Tensor room = count.sub(above.sum(ROW, true, longs()));                    // [R, 1] ties that stay
        return above.bitwise_or(ties.bitwise_and(ties.cumsum(1, longs()).le(room)));
    }

    /**
     * The token whose interval of {@code [0, total)}, laid out in vocabulary order, holds {@code u * total}: the
     * first whose cumulative weight exceeds it (no kept token has zero width there); the last kept token when
     * rounding puts it past every edge.
     */
    private static Tensor draw(Tensor w, Tensor keep, Tensor position, Tensor u) {
        Tensor edges = w.cumsum(1);                                                // [R, V] upper edges
        Tensor x = edges.narrow(1, edges.size(1) - 1, 1).mul(u);                   // [R, 1] u * total
        Tensor at = edges.le(x).sum(ROW, false, longs());                          // [R] in [0, V]
        Tensor last = keep.mul(position).amax(ROW, false);                         // [R] last kept token
        return torch.minimum(at, last);
    }
}
