package dev.kvlab.model.torch;

import java.nio.FloatBuffer;

/**
 * The statistics the decode rows of one layer ask for ({@link dev.kvlab.cache.StatsRequest}), as the
 * decode-attention call measures them: the softmax probability of every key a row attended to, and the L2 norm of
 * the row's own key. Part of {@link DecodeRows} (null there when no row asks). Built on the host with the runs
 * ({@link SlotRuns}), which list a row's keys in storage order; {@link #entries} maps them back to the
 * {@link dev.kvlab.cache.AttentionView.Held} view's entry order, the order {@link dev.kvlab.cache.StepStats} indexes
 * keys in. s = index of a stats row, i = index of a decode row, j = a row's key in run order.
 *
 * <p>Invariants: {@code rowIndex} increases; {@code entries[s]} is null unless {@code attends[s]}, else it holds
 * {@code keys(rowIndex[s])} distinct entries below {@code held[s]}; {@code probsAt[i] >= 0} exactly for the rows that
 * attend, and their regions {@code [probsAt[i], probsAt[i] + keys(i))} tile {@code [0, probsKeys)} in row order.
 *
 * @param rowIndex  [Rs] the decode row (index into {@link DecodeRows#rows})
 * @param held      [Rs] entries of the row's view in this layer (the length of its attention arrays)
 * @param asksMass  [Rs] whether it asked for attention (an array of zeros when it does not attend)
 * @param attends   [Rs] whether its query adds attention mass: asked, and position &gt;= attentionFrom
 * @param keyNorms  [Rs] whether it asks for the norms of its own key
 * @param ownSlot   [Rs] the pool slot of its own key in this layer (written before the read)
 * @param entries   [Rs][keys] the view entry of each key the row attends to, in run order (null: see above)
 * @param probsAt   [R] where decode row i's probabilities start in a kernel buffer, in keys ({@code × heads} for
 *                  floats: the row's block is {@code [H, keys(i)]}); -1 when it does not attend
 * @param probsKeys the keys of every attending row together
 */
record DecodeStats(int[] rowIndex, int[] held, boolean[] asksMass, boolean[] attends, boolean[] keyNorms,
                   int[] ownSlot, int[][] entries, int[] probsAt, int probsKeys) {

    int size() {
        return rowIndex.length;
    }

    /** Where stats row s's probability of its key j for head h lies in a buffer of probabilities. */
    interface Layout {
        int at(int s, int h, int j);
    }

    /**
     * Hands this layer's measurements to each stats row's collector: the probabilities (mapped from run order to
     * entry order; entries the query did not see get 0) and the key norms.
     *
     * @param out   the collector of each chunk of the step (an entry may be null: nobody reads that chunk)
     * @param chunk the step's chunk index of each decode row, {@code [R]}
     * @param probs the probabilities of the attending rows, where {@code layout} says; unused when none attends
     * @param norms stats row s's norm for head h at {@code norms[normIndex(s) * heads + h]}; null when none asks
     */
    void deliver(int layer, int heads, HeldStats[] out, int[] chunk, float[] probs, Layout layout, float[] norms) {
        int n = 0;
        for (int s = 0; s < size(); s++) {
            HeldStats st = out[chunk[rowIndex[s]]];
            if (keyNorms[s]) {
                if (st != null) {
                    float[][] kn = new float[heads][1];
                    for (int h = 0; h < heads; h++) {
                        kn[h][0] = norms[n * heads + h];
                    }
                    st.keyNorms(layer, kn);
                }
                n++;
            }
            if (st == null || !asksMass[s]) {
                continue;
            }
            float[][] mass = new float[heads][held[s]];
            if (attends[s]) {
                int[] e = entries[s];
                for (int h = 0; h < heads; h++) {
                    float[] m = mass[h];
                    for (int j = 0; j < e.length; j++) {
                        m[e[j]] = probs[layout.at(s, h, j)];
                    }
                }
            }
            st.attention(layer, mass);
        }
    }

    /** The norm of each asking row's own key per head, read from the pool: {@code [rows asking × H]}. */
    float[] keyNorms(FloatBuffer poolK, int heads, int dim) {
        int rows = 0;
        for (boolean b : keyNorms) {
            rows += b ? 1 : 0;
        }
        float[] out = new float[rows * heads];
        int n = 0;
        for (int s = 0; s < size(); s++) {
            if (!keyNorms[s]) {
                continue;
            }
            int base = ownSlot[s] * heads * dim;
            for (int h = 0; h < heads; h++) {
                double sq = 0;
                for (int d = 0; d < dim; d++) {
                    double x = poolK.get(base + h * dim + d);
                    sq += x * x;
                }
                out[n * heads + h] = (float) Math.sqrt(sq);
            }
            n++;
        }
        return out;
    }

    /** Whether any row attends (the kernel then returns probabilities). */
    boolean anyAttends() {
        return probsKeys > 0;
    }

    /** Whether any row asks for key norms. */
    boolean anyKeyNorms() {
        for (boolean b : keyNorms) {
            if (b) {
                return true;
            }
        }
        return false;
    }
}
