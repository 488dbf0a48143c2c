package dev.kvlab.model.torch;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRef;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Log-probabilities of the rows that asked for them, on the logits' device, so only what is reported crosses to
 * the host: per row its chosen token's log-probability and its top {@code n} ids and log-probabilities. The
 * semantics are runtime's TokenLogprobs (log-softmax of the raw logits in float64, max taken out first; top ids
 * most likely first, ties to the lower id); its host {@code of(float[], ...)} is the oracle.
 */
public final class DeviceLogprobs {
    private static final long[] ROW = {1};

    private DeviceLogprobs() {
    }

    /**
     * What the host gets, flat, rows in order.
     *
     * @param topIds {@code [sum n]} int64: each row's top ids, most likely first
     * @param values {@code [R + sum n]} float64: the R chosen tokens' log-probabilities, then each row's top ones
     */
    public record Flat(Tensor topIds, Tensor values) {
    }

    /**
     * @param raw    {@code [R, vocab]} float32 raw logits (before any suppression)
     * @param chosen {@code [R]} int64 each row's picked token, in {@code [0, vocab)}
     * @param top    each row's number of top tokens, in {@code [0, vocab]}
     */
    public static Flat of(Tensor raw, Tensor chosen, int[] top) {
        Tensor l = raw.to(ScalarType.Double);                                      // [R, V]
        Tensor max = l.amax(ROW, true);                                            // [R, 1]
        Tensor logZ = l.sub(max).exp().sum(ROW, true, new ScalarTypeOptional()).log().add(max);   // [R, 1]
        Tensor picked = l.gather(1, chosen.unsqueeze(1)).sub(logZ).flatten(0, -1);  // [R]
        int most = 0;
        int total = 0;
        for (int n : top) {
            most = Math.max(most, n);
            total += n;
        }
        if (most == 0) {
            return new Flat(Tensors.range(0, 0, raw.device()), picked);
        }
        T_TensorTensor_T sorted = torch.sort(raw, new BoolOptional(true), 1, true);  // stable: ties lower id first
        Tensor ids = sorted.get1().narrow(1, 0, most);                              // [R, most]
        Tensor lps = sorted.get0().narrow(1, 0, most).to(ScalarType.Double).sub(logZ);  // [R, most]
        if (total < top.length * most) {   // rows want different n: keep each row's first n
            int[] flat = new int[total];
            int at = 0;
            for (int r = 0; r < top.length; r++) {
                for (int j = 0; j < top[r]; j++) {
                    flat[at++] = r * most + j;
                }
            }
            Tensor keep = Tensors.longs(flat, raw.device());                        // [sum n]
            ids = ids.flatten(0, -1).gather(0, keep);
            lps = lps.flatten(0, -1).gather(0, keep);
        }
        return new Flat(ids.flatten(0, -1),
                torch.cat(new TensorArrayRef(new TensorVector(picked, lps.flatten(0, -1))), 0));
    }
}
