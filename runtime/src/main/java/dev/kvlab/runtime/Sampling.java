package dev.kvlab.runtime;

import dev.kvlab.model.torch.HostCopy;
import dev.kvlab.scheduler.RequestId;
import dev.kvlab.scheduler.ScheduledChunk;
import dev.kvlab.scheduler.StepPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Picks each sampling chunk's next token from the step's logits. Greedy rows: argmax on the device and one small
 * copy of S ids to the host. Other rows: the row is copied to the host and {@link TokenSampler} draws from the
 * request's own seeded stream. Every row is first checked finite (one reduction, on the device, folded into the id
 * copy): a row with a NaN or an infinity picks nothing, and the engine fails that request instead of emitting
 * token 0 or garbage. Every copy goes through the engine's {@link HostCopy}, which counts them.
 */
final class Sampling {
    /** The id copied back for a row whose logits are not all finite (no token has a negative id). */
    private static final long NOT_FINITE = -1;
    private final int eosTokenId;

    Sampling(int eosTokenId) {
        this.eosTokenId = eosTokenId;
    }

    /**
     * @param host   counts the copies: one of {@code S} ids, plus a row per request that samples on the host
     * @param logits {@code [S, vocab]} float32, one row per sampling chunk of {@code plan}, in plan order
     * @return the token of each sampling chunk's request
     */
    Picks sample(HostCopy host, Tensor logits, StepPlan plan) {
        List<ScheduledChunk> rows = plan.chunks().stream().filter(ScheduledChunk::samples).toList();
        if (rows.isEmpty()) {
            return new Picks(Map.of(), List.of());
        }
        Tensor finite = torch.isfinite(logits).all(1);                      // [S] bool, before any suppression
        for (int i = 0; i < rows.size(); i++) {
            if (live(rows.get(i)).ignoresEos()) {
                logits.select(0, i).narrow(0, eosTokenId, 1).fill_(new Scalar(Double.NEGATIVE_INFINITY));
            }
        }
        Tensor best = torch.argmax(logits, new LongOptional(1), false)      // [S] int64, NOT_FINITE where not finite
                .masked_fill(finite.logical_not(), new Scalar(NOT_FINITE));
        long[] ids = host.longs(best);                                      // the step's one copy of ids
        Map<RequestId, Integer> out = new HashMap<>();
        List<RequestId> bad = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            RequestId id = rows.get(i).requestId();
            LiveRequest r = live(rows.get(i));
            SamplingParams p = r.request.sampling();
            if (ids[i] == NOT_FINITE) {
                bad.add(id);
            } else {
                out.put(id, p.greedy() ? (int) ids[i]
                        : TokenSampler.sample(host.floats(logits.select(0, i)), p, r.stream));   // [vocab]
            }
        }
        return new Picks(out, bad);
    }

    /**
     * A step's picks.
     *
     * @param tokens    the next token of every sampling row whose logits were finite
     * @param nonFinite requests whose logits held a NaN or an infinity: nothing can be picked for them
     */
    record Picks(Map<RequestId, Integer> tokens, List<RequestId> nonFinite) {
    }

    static LiveRequest live(ScheduledChunk c) {
        return (LiveRequest) c.attachment();
    }

    /**
     * Host copies of the rows of the requests {@code wanted} selects, before any suppression: {@code [vocab]} each.
     *
     * @param logits {@code [S, vocab]} one row per sampling chunk of {@code plan}, in plan order
     */
    static Map<RequestId, float[]> rowsOf(HostCopy host, Tensor logits, StepPlan plan, Predicate<LiveRequest> wanted) {
        List<ScheduledChunk> rows = plan.chunks().stream().filter(ScheduledChunk::samples).toList();
        Map<RequestId, float[]> out = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            if (wanted.test(live(rows.get(i)))) {
                out.put(rows.get(i).requestId(), host.floats(logits.select(0, i)));   // [vocab]
            }
        }
        return out;
    }
}
