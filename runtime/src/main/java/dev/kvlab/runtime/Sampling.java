package dev.kvlab.runtime;

import dev.kvlab.scheduler.RequestId;
import dev.kvlab.scheduler.ScheduledChunk;
import dev.kvlab.scheduler.StepPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Picks each sampling chunk's next token from the step's logits. Greedy rows: argmax on the device and one small
 * copy of S ids to the host. Other rows: the row is copied to the host and {@link TokenSampler} draws from the
 * request's own seeded stream. Every row is first checked finite (one reduction): a row with a NaN or an infinity
 * picks nothing, and the engine fails that request instead of emitting token 0 or garbage.
 */
final class Sampling {
    private final int eosTokenId;

    Sampling(int eosTokenId) {
        this.eosTokenId = eosTokenId;
    }

    /**
     * @param logits {@code [S, vocab]} float32, one row per sampling chunk of {@code plan}, in plan order
     * @return the token of each sampling chunk's request
     */
    Picks sample(Tensor logits, StepPlan plan) {
        List<ScheduledChunk> rows = plan.chunks().stream().filter(ScheduledChunk::samples).toList();
        boolean[] finite = finiteRows(logits, rows.size());
        for (int i = 0; i < rows.size(); i++) {
            if (live(rows.get(i)).ignoresEos()) {
                logits.select(0, i).narrow(0, eosTokenId, 1).fill_(new Scalar(Double.NEGATIVE_INFINITY));
            }
        }
        long[] best = argmax(logits, rows.size());
        Map<RequestId, Integer> out = new HashMap<>();
        List<RequestId> bad = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            RequestId id = rows.get(i).requestId();
            LiveRequest r = live(rows.get(i));
            SamplingParams p = r.request.sampling();
            if (!finite[i]) {
                bad.add(id);
            } else {
                out.put(id, p.greedy() ? (int) best[i] : TokenSampler.sample(row(logits, i), p, r.stream));
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

    /** Whether each row of {@code logits} is all finite: one reduction and {@code S} bytes to the host. */
    private static boolean[] finiteRows(Tensor logits, int rows) {
        boolean[] out = new boolean[rows];
        if (rows > 0) {
            Tensor ok = torch.isfinite(logits).all(1).to(ScalarType.Byte).cpu().contiguous();   // [S] uint8
            byte[] b = new byte[rows];
            ok.data_ptr_byte().get(b);
            for (int i = 0; i < rows; i++) {
                out[i] = b[i] != 0;
            }
        }
        return out;
    }

    static LiveRequest live(ScheduledChunk c) {
        return (LiveRequest) c.attachment();
    }

    /** Argmax of each row, copied to the host: {@code [S]}. */
    private static long[] argmax(Tensor logits, int rows) {
        long[] ids = new long[rows];
        if (rows > 0) {
            Tensor best = torch.argmax(logits, new LongOptional(1), false).cpu().contiguous();   // [S] int64
            LongPointer p = best.data_ptr_long();
            p.get(ids);
        }
        return ids;
    }

    /**
     * Host copies of the rows of the requests {@code wanted} selects, before any suppression: {@code [vocab]} each.
     *
     * @param logits {@code [S, vocab]} one row per sampling chunk of {@code plan}, in plan order
     */
    static Map<RequestId, float[]> rowsOf(Tensor logits, StepPlan plan, Predicate<LiveRequest> wanted) {
        List<ScheduledChunk> rows = plan.chunks().stream().filter(ScheduledChunk::samples).toList();
        Map<RequestId, float[]> out = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            if (wanted.test(live(rows.get(i)))) {
                out.put(rows.get(i).requestId(), row(logits, i));
            }
        }
        return out;
    }

    /** One row of logits on the host. */
    private static float[] row(Tensor logits, int i) {
        Tensor r = logits.select(0, i).cpu().contiguous();   // [vocab]
        float[] out = new float[(int) r.numel()];
        r.data_ptr_float().get(out);
        return out;
    }
}
