package dev.kvlab.model.torch;

import dev.kvlab.cache.StatsRequest;
import dev.kvlab.cache.StepStats;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The statistics of one Held chunk, filled layer by layer during the forward pass ({@link HeldAttention} for a chunk
 * read per chunk, {@link DecodeStats} for a decode row) and handed over as a {@link StepStats} after it (one
 * device-to-host copy per layer and kind, shared by the step's decode rows on the torch-ops path).
 */
final class HeldStats {
    private final float[][][] attention;   // [layers][heads][held_l], or [0]
    private final float[][][] keyNorms;    // [layers][heads][n], or [0]

    HeldStats(StatsRequest asked, int layers) {
        this.attention = new float[asked.wantsAttention() ? layers : 0][][];
        this.keyNorms = new float[asked.keyNorms() ? layers : 0][][];
    }

    /** @param mass {@code [H, held]} attention mass per head and held key */
    void attention(int layer, Tensor mass) {
        attention[layer] = toHost(mass);
    }

    /** @param norms {@code [H, n]} key L2 norm per head and chunk token */
    void keyNorms(int layer, Tensor norms) {
        keyNorms[layer] = toHost(norms);
    }

    /** @param mass [H][held] attention mass per head and held key, already on the host */
    void attention(int layer, float[][] mass) {
        attention[layer] = mass;
    }

    /** @param norms [H][n] key L2 norm per head and chunk token, already on the host */
    void keyNorms(int layer, float[][] norms) {
        keyNorms[layer] = norms;
    }

    StepStats toStepStats() {
        return new StepStats(attention, keyNorms);
    }

    /** Any tensor as float values on the host, row-major (one copy). */
    static float[] floats(Tensor t) {
        Tensor host = t.to(ScalarType.Float).contiguous().cpu();
        float[] out = new float[(int) host.numel()];
        host.data_ptr_float().get(out);
        return out;
    }

    /** A {@code [rows, cols]} tensor as float[rows][cols] on the host (one copy, {@link #floats}). */
    private static float[][] toHost(Tensor t) {
        int rows = (int) t.size(0);
        int cols = (int) t.size(1);
        float[] flat = floats(t);
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
        }
        return out;
    }
}
