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
        long[] out = new long[(int) t.numel()];
        if (out.length > 0) {
            onHost(t, ScalarType.Long, Long.BYTES).data_ptr_long().get(out);
        }
        return out;
    }

    /** {@code t} as float64 values on the host, in row-major order (one copy; none when it is empty). */
    public double[] doubles(Tensor t) {
        double[] out = new double[(int) t.numel()];
        if (out.length > 0) {
            onHost(t, ScalarType.Double, Double.BYTES).data_ptr_double().get(out);
        }
        return out;
    }

    /** {@code t} as float32 values on the host, in row-major order (one copy; none when it is empty). */
    public float[] floats(Tensor t) {
        float[] out = new float[(int) t.numel()];
        if (out.length > 0) {
            onHost(t, ScalarType.Float, Float.BYTES).data_ptr_float().get(out);
        }
        return out;
    }

    /**
     * The one copy: {@code t} on the host as {@code type}, contiguous, counted. Never called for an empty tensor
     * (nothing crosses, and an empty tensor has no data pointer).
     */
    private Tensor onHost(Tensor t, ScalarType type, int elementBytes) {
        Tensor h = t.cpu().to(type).contiguous();
        record(h.numel() * elementBytes);
        return h;
    }

    public Count count() {
        return new Count(copies, bytes);
    }

    private void record(long n) {
        copies++;
        bytes += n;
    }
}
