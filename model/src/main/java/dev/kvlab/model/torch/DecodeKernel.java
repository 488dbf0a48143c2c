package dev.kvlab.model.torch;

import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * kvlab's CPU decode-attention kernel (flash-decoding): for every decode row × head group of a step, one pass over
 * the row's slot runs in the pool's native memory, in tiles of {@link #TILE} slots, with an online softmax and
 * float accumulation. Parallel over rows × head groups on {@link KernelThreads}; fp32 only.
 *
 * <p>Memory: K/V stay where the cache put them. Each tile's slots are streamed from the pool into a per-thread
 * buffer of at most {@code TILE × heads × headDim} floats (192 KiB each for K and V with gpt2-small, L2-resident)
 * and used there; nothing the size of a sequence is gathered, and a tile may span runs, so paged blocks cost no
 * more than a slab. The bulk {@code FloatBuffer} reads keep the kernel on the Vector API every JDK from 17 on has
 * (array loads), where direct-memory loads changed API between JDK releases.
 *
 * <p>Statistics ({@link #run(DecodeRows, Operands, DecodeStats)}): for the rows that attend for statistics, each
 * tile's raw scores are kept per key and normalised at the end with the row's final max and sum, so the returned
 * probabilities are exact softmax weights (the online softmax's running rescale alone could not give them). They go
 * to one buffer owned by the kernel, grown when a step needs more and reused after.
 *
 * <p>Invariants: {@code scratch[w]} is used only by worker {@code w}; every (row, head) is written exactly once, and
 * so is every probability of it.
 */
final class DecodeKernel {
    static final int TILE = 64;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private final int heads;
    private final int headDim;
    private final float scale;
    private final KernelThreads threads;
    private final Scratch[] scratch;
    private float[] probs = new float[0];   // [probsKeys × H]: row i's block [H, keys(i)] at probsAt[i] × H

    /** Where one layer's tensors live: row strides in floats; buffers start at element 0 of each tensor. */
    record Operands(FloatBuffer q, int qRowStride,   // q [T, H, D] with rows qRowStride apart
                    FloatBuffer k, FloatBuffer v,    // pool [slots, H, D], contiguous
                    FloatBuffer out, int outRowStride) { // out [T, H, D] with rows outRowStride apart
    }

    DecodeKernel(int heads, int headDim, KernelThreads threads) {
        this.heads = heads;
        this.headDim = headDim;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        this.threads = threads;
        this.scratch = new Scratch[threads.size()];
        for (int w = 0; w < scratch.length; w++) {
            scratch[w] = new Scratch();
        }
    }

    /** Attention of every decode row over its runs; writes {@code out} rows {@code rows.rows()}. */
    void run(DecodeRows rows, Operands o) {
        run(rows, o, null);
    }

    /**
     * As {@link #run(DecodeRows, Operands)}, and, when {@code stats} is given, the softmax probability of every key
     * of the rows that attend for statistics, in {@link #probabilities()} (row i, head h, key j in run order at
     * {@code stats.probsAt()[i] * H + h * keys(i) + j}: {@link #layout}).
     */
    void run(DecodeRows rows, Operands o, DecodeStats stats) {
        if (stats != null && probs.length < stats.probsKeys() * heads) {
            probs = new float[stats.probsKeys() * heads];
        }
        float[] p = stats == null ? null : probs;
        int groups = groupsPerRow(rows.size());
        int perGroup = (heads + groups - 1) / groups;
        int g = (heads + perGroup - 1) / perGroup;
        threads.forEach(rows.size() * g, (worker, task) -> {
            int h0 = (task % g) * perGroup;
            int i = task / g;
            int at = p == null || stats.probsAt()[i] < 0 ? -1 : stats.probsAt()[i] * heads;
            attend(rows, i, h0, Math.min(perGroup, heads - h0), o, scratch[worker], p, at);
        });
    }

    /** The probabilities of the last {@link #run(DecodeRows, Operands, DecodeStats)} (valid until the next run). */
    float[] probabilities() {
        return probs;
    }

    /** Where stats row s's probability of key j for head h lies in {@link #probabilities()}. */
    static DecodeStats.Layout layout(DecodeStats st, int heads) {
        return (s, h, j) -> st.probsAt()[st.rowIndex()[s]] * heads + h * st.entries()[s].length + j;
    }

    /** Enough (row, head group) tasks to keep every thread busy; whole rows when there are plenty of rows. */
    private int groupsPerRow(int rows) {
        int wanted = (2 * threads.size() + rows - 1) / rows;
        return Math.max(1, Math.min(heads, threads.size() == 1 ? 1 : wanted));
    }

    /** @param at where row i's probabilities start in {@code p} ({@code [H, keys]}), -1 when none are kept */
    private void attend(DecodeRows rows, int i, int h0, int nh, Operands o, Scratch s, float[] p, int at) {
        int width = nh * headDim;
        s.ensure(width);
        int row = rows.rows()[i];
        o.q().get(row * o.qRowStride() + h0 * headDim, s.q, 0, width);
        for (int x = 0; x < width; x++) {
            s.q[x] *= scale;
        }
        java.util.Arrays.fill(s.acc, 0, width, 0f);
        java.util.Arrays.fill(s.max, 0, nh, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(s.sum, 0, nh, 0f);
        int run = rows.runOffsets()[i];
        int lastRun = rows.runOffsets()[i + 1];
        int slot = rows.runStarts()[run];
        int left = rows.runLengths()[run];
        int keys = at < 0 ? 0 : rows.keys(i);
        int seen = 0;                                    // keys of the row in earlier tiles
        while (run < lastRun) {
            int n = 0;
            while (n < TILE && run < lastRun) {          // a tile may span runs (paged blocks): full tiles
                int take = Math.min(TILE - n, left);
                stage(o.k(), s.k, n * width, slot, take, h0, width);
                stage(o.v(), s.v, n * width, slot, take, h0, width);
                n += take;
                slot += take;
                left -= take;
                if (left == 0 && ++run < lastRun) {
                    slot = rows.runStarts()[run];
                    left = rows.runLengths()[run];
                }
            }
            for (int hh = 0; hh < nh; hh++) {
                tile(s, hh, n, width, p, at < 0 ? -1 : at + (h0 + hh) * keys + seen);
            }
            seen += n;
        }
        for (int hh = 0; hh < nh; hh++) {
            float inv = 1f / s.sum[hh];
            for (int d = 0; d < headDim; d++) {
                s.acc[hh * headDim + d] *= inv;
            }
            if (at >= 0) {
                normalise(p, at + (h0 + hh) * keys, keys, s.max[hh], inv);
            }
        }
        o.out().put(row * o.outRowStride() + h0 * headDim, s.acc, 0, width);
    }

    /** Copies heads {@code [h0, h0 + width / D)} of slots {@code [slot, slot + n)} to {@code dst[at..]} as {@code [n, width]}. */
    private void stage(FloatBuffer pool, float[] dst, int at, int slot, int n, int h0, int width) {
        int slotStride = heads * headDim;
        if (width == slotStride) {
            pool.get(slot * slotStride, dst, at, n * width);
            return;
        }
        for (int j = 0; j < n; j++) {
            pool.get((slot + j) * slotStride + h0 * headDim, dst, at + j * width, width);
        }
    }

    /**
     * One tile of {@code n} staged keys for head {@code hh} of the group: scores, rescale, accumulate.
     *
     * @param keep where the tile's raw scores go in {@code p} ({@code n} of them), -1 when none are kept
     */
    private void tile(Scratch s, int hh, int n, int width, float[] p, int keep) {
        int qo = hh * headDim;
        int bound = SPECIES.loopBound(headDim);
        float tileMax = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            int ko = j * width + qo;
            FloatVector acc = FloatVector.zero(SPECIES);
            int d = 0;
            for (; d < bound; d += SPECIES.length()) {
                acc = FloatVector.fromArray(SPECIES, s.q, qo + d).fma(FloatVector.fromArray(SPECIES, s.k, ko + d), acc);
            }
            float dot = acc.reduceLanes(VectorOperators.ADD);
            for (; d < headDim; d++) {
                dot += s.q[qo + d] * s.k[ko + d];
            }
            s.scores[j] = dot;
            tileMax = Math.max(tileMax, dot);
        }
        if (keep >= 0) {
            System.arraycopy(s.scores, 0, p, keep, n);
        }
        float m = Math.max(s.max[hh], tileMax);
        float correction = (float) Math.exp(s.max[hh] - m);   // 0 on the first tile (max was -inf)
        s.max[hh] = m;
        s.sum[hh] = s.sum[hh] * correction + exponentiate(s.scores, n, m);
        accumulate(s, hh, n, width, correction);
    }

    /** {@code p[at + j] = exp(p[at + j] - m) * inv} for j &lt; n: raw scores to probabilities. */
    private static void normalise(float[] p, int at, int n, float m, float inv) {
        int j = 0;
        int bound = SPECIES.loopBound(n);
        for (; j < bound; j += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, p, at + j).sub(m).lanewise(VectorOperators.EXP).mul(inv)
                    .intoArray(p, at + j);
        }
        for (; j < n; j++) {
            p[at + j] = (float) Math.exp(p[at + j] - m) * inv;
        }
    }

    /** {@code scores[j] = exp(scores[j] - m)} for j < n; returns their sum. */
    private static float exponentiate(float[] scores, int n, float m) {
        float total = 0;
        int j = 0;
        int bound = SPECIES.loopBound(n);
        for (; j < bound; j += SPECIES.length()) {
            FloatVector e = FloatVector.fromArray(SPECIES, scores, j).sub(m).lanewise(VectorOperators.EXP);
            e.intoArray(scores, j);
            total += e.reduceLanes(VectorOperators.ADD);
        }
        for (; j < n; j++) {
            scores[j] = (float) Math.exp(scores[j] - m);
            total += scores[j];
        }
        return total;
    }

    /** {@code acc = acc * correction + sum_j p_j v_j} for head {@code hh}, headDim-chunk outer, keys inner. */
    private void accumulate(Scratch s, int hh, int n, int width, float correction) {
        int ao = hh * headDim;
        int bound = SPECIES.loopBound(headDim);
        int d = 0;
        for (; d < bound; d += SPECIES.length()) {
            FloatVector a = FloatVector.fromArray(SPECIES, s.acc, ao + d).mul(correction);
            for (int j = 0; j < n; j++) {
                a = FloatVector.fromArray(SPECIES, s.v, j * width + ao + d).fma(FloatVector.broadcast(SPECIES,
                        s.scores[j]), a);
            }
            a.intoArray(s.acc, ao + d);
        }
        for (; d < headDim; d++) {
            float a = s.acc[ao + d] * correction;
            for (int j = 0; j < n; j++) {
                a += s.scores[j] * s.v[j * width + ao + d];
            }
            s.acc[ao + d] = a;
        }
    }

    /** One worker's buffers, grown to the widest head group seen. */
    private static final class Scratch {
        float[] q = new float[0];
        float[] k = new float[0];
        float[] v = new float[0];
        float[] acc = new float[0];
        final float[] scores = new float[TILE];
        float[] max = new float[0];
        float[] sum = new float[0];

        void ensure(int width) {
            if (q.length < width) {
                q = new float[width];
                acc = new float[width];
                k = new float[TILE * width];
                v = new float[TILE * width];
                max = new float[width];
                sum = new float[width];
            }
        }
    }
}
