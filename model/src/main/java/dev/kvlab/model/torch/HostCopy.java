package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The one way step results reach the host: device-to-host copies, counted. On a GPU each call is a transfer (and a
 * synchronisation), so a step makes as few as it can: one of the sampled token ids (with the top ids of the
 * requests that asked for log-probabilities), plus one of those log-probabilities when any asked; never a logits
 * row. On the CPU the copy is free but still counted, so a test on the CPU sees exactly the transfers a GPU run
 * would make. Not thread-safe: one per engine.
 */
public final class HostCopy {
    private long copies;
    private long bytes;

    /** What has crossed so far. */
    public record Count(long copies, long bytes) {
        public Count minus(Count earlier) {
            return new Count(copies - earlier.copies, bytes - earlier.bytes);
        }
    }

    /** {@code t} as int64 values on the host, in row-major order (one copy; none when it is empty). */
    public long[] longs(Tensor t) {
        if (t.numel() == 0) {
            return new long[0];   // nothing crosses (and an empty tensor has no data pointer)
        }
        Tensor h = t.cpu().to(ScalarType.Long).contiguous();
        long[] out = new long[(int) h.numel()];
        h.data_ptr_long().get(out);
        record(out.length * (long) Long.BYTES);
        return out;
    }

    /** {@code t} as float64 values on the host, in row-major order (one copy; none when it is empty). */
    public double[] doubles(Tensor t) {
        if (t.numel() == 0) {
            return new double[0];   // nothing crosses (and an empty tensor has no data pointer)
        }
        Tensor h = t.cpu().to(ScalarType.Double).contiguous();
        double[] out = new double[(int) h.numel()];
        h.data_ptr_double().get(out);
        record(out.length * (long) Double.BYTES);
        return out;
    }

    /** {@code t} as float32 values on the host, in row-major order (one copy; none when it is empty). */
    public float[] floats(Tensor t) {
        if (t.numel() == 0) {
            return new float[0];   // nothing crosses (and an empty tensor has no data pointer)
        }
        Tensor h = t.cpu().to(ScalarType.Float).contiguous();
        float[] out = new float[(int) h.numel()];
        h.data_ptr_float().get(out);
        record(out.length * (long) Float.BYTES);
        return out;
    }

    public Count count() {
        return new Count(copies, bytes);
    }

    private void record(long n) {
        copies++;
        bytes += n;
    }
}
