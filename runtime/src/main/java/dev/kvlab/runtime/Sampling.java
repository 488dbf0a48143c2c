package dev.kvlab.runtime;

import dev.kvlab.model.torch.DeviceLogprobs;
import dev.kvlab.model.torch.DeviceSampler;
import dev.kvlab.model.torch.HostCopy;
import dev.kvlab.model.torch.SamplerInputs;
import dev.kvlab.scheduler.RequestId;
import dev.kvlab.scheduler.ScheduledChunk;
import dev.kvlab.scheduler.StepPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRef;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Picks each sampling chunk's next token from the step's logits, on the logits' device: greedy rows by argmax,
 * rows with a temperature by {@link DeviceSampler} from one draw per request per step, taken on the host from the
 * request's own seeded stream (so a request's samples do not depend on what it is batched with). Every row is
 * first checked finite (one reduction, on the device): a row with a NaN or an infinity picks nothing, and the
 * engine fails that request instead of emitting token 0 or garbage. Log-probabilities, for the requests that ask,
 * are computed there too ({@link DeviceLogprobs}).
 *
 * <p>Fork children ({@link ScheduledChunk#forks()}) pick their first token from their parent's row: the rows are
 * duplicated on the device ({@code index_select}), one per child after the sampling chunks' own, and each copy is
 * picked as the child's own row would be alone (its EOS suppression, its draw, its log-probabilities).
 *
 * <p>Invariant: per step, one device-to-host copy of the S picked ids (with the asking requests' top ids after
 * them), plus one copy of the asking requests' log-probabilities when any ask; never a logits row. Every copy
 * goes through the engine's {@link HostCopy}, which counts them.
 */
final class Sampling {
    /** The id copied back for a row whose logits are not all finite (no token has a negative id). */
    private static final long NOT_FINITE = -1;
    private final int eosTokenId;

    Sampling(int eosTokenId) {
        this.eosTokenId = eosTokenId;
    }

    /**
     * @param host   counts the copies
     * @param logits {@code [S, vocab]} float32, one row per sampling chunk of {@code plan}, in plan order;
     *               EOS is suppressed in place for the requests that ignore it
     * @return the token of each sampling chunk's request, and its log-probabilities if it asked
     */
    Picks sample(HostCopy host, Tensor stepLogits, StepPlan plan) {
        List<Row> rows = rows(plan);
        if (rows.isEmpty()) {
            return new Picks(Map.of(), Map.of(), List.of());
        }
        Tensor logits = withForkRows(stepLogits, rows);                     // [S + forks, vocab]
        Tensor finite = torch.isfinite(logits).all(1);                      // [S] bool, before any suppression
        int[] asking = asking(rows);                                          // L rows ask for log-probabilities
        Tensor askingRows = asking.length == 0 ? null : longs(asking, logits);   // [L] int64
        Tensor raw = askingRows == null ? null : logits.index_select(0, askingRows);   // [L, vocab], unsuppressed
        Tensor picked = pick(logits, rows);                                   // [S] int64
        int[] top = new int[asking.length];
        for (int j = 0; j < asking.length; j++) {
            top[j] = (int) Math.min(rows.get(asking[j]).live().options.topLogprobs(), logits.size(1));
        }
        DeviceLogprobs.Flat lp = raw == null ? null : DeviceLogprobs.of(raw, picked.index_select(0, askingRows), top);
        Tensor ids = picked.masked_fill(finite.logical_not(), new Scalar(NOT_FINITE));   // [S]
        long[] out = host.longs(lp == null ? ids                            // [S + sum top]: the one copy of ids
                : torch.cat(new TensorArrayRef(new TensorVector(ids, lp.topIds())), 0));
        double[] values = lp == null ? null : host.doubles(lp.values());   // [L + sum top]
        return picks(rows, out, asking, top, values);
    }

    /**
     * Every row's token on the device, {@code [S]} int64: EOS suppressed (in place) where ignored, then the argmax,
     * and for the rows with a temperature the device sampler, from one draw of each request's stream.
     */
    private Tensor pick(Tensor logits, List<Row> rows) {
        List<SamplerInputs.Row> drawn = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            LiveRequest r = rows.get(i).live();
            if (r.ignoresEos()) {
                logits.select(0, i).narrow(0, eosTokenId, 1).fill_(new Scalar(Double.NEGATIVE_INFINITY));
            }
            SamplingParams p = r.request.sampling();
            if (!p.greedy()) {
                drawn.add(new SamplerInputs.Row(i, r.stream.nextDouble(), p.temperature(), p.topK(), p.topP()));
            }
        }
        Tensor picked = torch.argmax(logits, new LongOptional(1), false);   // [S] int64
        if (drawn.isEmpty()) {
            return picked;
        }
        SamplerInputs in = new SamplerInputs(drawn, logits.size(1), logits.device());
        return picked.index_copy(0, in.rows(), DeviceSampler.pick(logits.index_select(0, in.rows()), in));
    }

    /** The host side of the copies: tokens, failed rows, and the asking rows' log-probabilities. */
    private static Picks picks(List<Row> rows, long[] ids, int[] asking, int[] top, double[] values) {
        Map<RequestId, Integer> tokens = new HashMap<>();
        List<RequestId> bad = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            if (ids[i] == NOT_FINITE) {
                bad.add(rows.get(i).id());
            } else {
                tokens.put(rows.get(i).id(), (int) ids[i]);
            }
        }
        Map<RequestId, TokenLogprobs> logprobs = new HashMap<>();
        int at = 0;
        for (int j = 0; j < asking.length; j++) {
            int s = rows.size() + at;
            int v = asking.length + at;
            int[] topIds = new int[top[j]];
            for (int t = 0; t < topIds.length; t++) {
                topIds[t] = (int) ids[s + t];
            }
            RequestId id = rows.get(asking[j]).id();
            if (tokens.containsKey(id)) {
                logprobs.put(id, new TokenLogprobs(values[j], topIds, Arrays.copyOfRange(values, v, v + top[j])));
            }
            at += top[j];
        }
        return new Picks(tokens, logprobs, bad);
    }

    /**
     * A step's picks.
     *
     * @param tokens    the next token of every sampling row whose logits were finite
     * @param logprobs  the log-probabilities of those tokens whose requests asked for them
     * @param nonFinite requests whose logits held a NaN or an infinity: nothing can be picked for them
     */
    record Picks(Map<RequestId, Integer> tokens, Map<RequestId, TokenLogprobs> logprobs, List<RequestId> nonFinite) {
    }

    static LiveRequest live(ScheduledChunk c) {
        return (LiveRequest) c.attachment();
    }

    static List<ScheduledChunk> sampling(StepPlan plan) {
        return plan.chunks().stream().filter(ScheduledChunk::samples).toList();
    }

    /**
     * One row to pick: a sampling chunk's request, or a fork child of one.
     *
     * @param id     the request
     * @param live   its state
     * @param source the row of the step's logits it picks from (its own, or its parent's)
     */
    private record Row(RequestId id, LiveRequest live, int source) {
    }

    /** The sampling chunks' rows in plan order, then one per fork child, in plan order. */
    private static List<Row> rows(StepPlan plan) {
        List<ScheduledChunk> chunks = sampling(plan);
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            out.add(new Row(chunks.get(i).requestId(), live(chunks.get(i)), i));
        }
        for (int i = 0; i < chunks.size(); i++) {
            for (ScheduledChunk.Fork f : chunks.get(i).forks()) {
                out.add(new Row(f.requestId(), (LiveRequest) f.attachment(), i));
            }
        }
        return out;
    }

    /** {@code logits} itself without forks, else its rows duplicated for the fork children: {@code [rows, vocab]}. */
    private static Tensor withForkRows(Tensor logits, List<Row> rows) {
        if (rows.size() == logits.size(0)) {
            return logits;
        }
        return logits.index_select(0, longs(rows.stream().mapToInt(Row::source).toArray(), logits));
    }

    /** Indices of the rows whose requests ask for log-probabilities. */
    private static int[] asking(List<Row> rows) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).live().options.wantsLogprobs()) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code [n]} int64 on {@code like}'s device (one host-to-device copy). */
    private static Tensor longs(int[] values, Tensor like) {
        long[] l = Arrays.stream(values).asLongStream().toArray();
        return Tensor.create(l, l.length).to(like.device(), ScalarType.Long);
    }
}
