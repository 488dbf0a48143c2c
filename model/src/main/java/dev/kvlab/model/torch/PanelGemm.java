package dev.kvlab.model.torch;

import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * kvlab's small-M GEMM on prepacked weights ({@link LinearWeight.Panels}): {@code y[M, out] = x[M, in] W + b} that
 * reads every weight once per call, in the order it is stored. Each task takes one panel ({@link #NR} columns of W,
 * stored {@code [in][NR]} in a Java array) and computes all M rows against it with register blocking: 8, 4, 2 or 1
 * rows at a time, two vectors of columns each (8 x 2 = 16 accumulators, within the 32 AVX-512 registers); the
 * panel (in x NR floats, 96-384 KiB for gpt2) stays in L2 while the row blocks reuse it. Parallel over panels on
 * {@link KernelThreads} (borrowed from the weights' owner), one per torch thread; fp32 multiply-add, fp32
 * accumulate.
 *
 * <p>Row-exact: every output element is {@code fma} over {@code i = 0 .. in-1} in order from 0, then {@code + b},
 * in every row block, so a row's result does not depend on M or on which block it fell in (no split over in).
 *
 * <p>Invariants: {@code scratch[w]} is used only by worker {@code w}; every (row, panel) is written exactly once;
 * one call at a time (the model runs one step at a time).
 */
final class PanelGemm {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    /** Columns per panel: two vectors. */
    static final int NR = 2 * LANES;
    /** Row counts from which {@link #stageRows} runs on every thread. */
    static final int STAGE_PARALLEL_ROWS = 8;

    private final KernelThreads threads;
    private final Scratch[] scratch;
    private float[] xt = new float[0];    // [in][M]: the call's rows, transposed, read by every worker
    private float[] bias = new float[0];  // [panels * NR], zero past out

    PanelGemm(KernelThreads threads) {
        this.threads = threads;
        this.scratch = new Scratch[threads.size()];
        for (int w = 0; w < scratch.length; w++) {
            scratch[w] = new Scratch();
        }
    }

    int threads() {
        return threads.size();
    }

    /**
     * @param x    {@code [rows, in]}, rows {@code xRowStride} floats apart
     * @param b    {@code [out]} or null
     * @param y    {@code [rows, out]} contiguous, every element written
     */
    void run(FloatBuffer x, int rows, int xRowStride, LinearWeight.Panels w, FloatBuffer b, FloatBuffer y) {
        int in = w.in();
        int out = w.out();
        int panels = w.panels();
        stageRows(x, rows, in, xRowStride);
        stageBias(b, out, panels * NR);
        float[] packed = w.packed();
        threads.forEach(panels, (worker, p) -> panel(packed, p, rows, in, out, y, scratch[worker]));
    }

    /** Writes {@code w} back as {@code [in, out]} row-major into {@code dst}, in parallel over panels. */
    void unpack(LinearWeight.Panels w, FloatBuffer dst) {
        int in = w.in();
        int out = w.out();
        float[] packed = w.packed();
        threads.forEach(w.panels(), (worker, p) -> {
            int col = p * NR;
            int cols = Math.min(NR, out - col);
            for (int i = 0, at = p * in * NR; i < in; i++, at += NR) {
                dst.put(i * out + col, packed, at, cols);
            }
        });
    }

    /**
     * Transposes the call's rows into {@link #xt} ({@code [in][M]}), in parallel over slices of {@code in} once there
     * are enough rows to matter (a scalar transpose of 32 x 3072 floats takes ~80 us, serial next to a ~1 ms GEMM).
     */
    private void stageRows(FloatBuffer x, int rows, int in, int stride) {
        if (xt.length < rows * in) {
            xt = new float[rows * in];
        }
        int wanted = rows < STAGE_PARALLEL_ROWS ? 1 : Math.min(threads.size(), in);
        int per = (in + wanted - 1) / wanted;
        int slices = (in + per - 1) / per;   // every slice non-empty, however many threads and however small in is
        threads.forEach(slices, (worker, t) -> {
            int i0 = t * per;
            int n = Math.min(in, i0 + per) - i0;
            float[] row = scratch[worker].stagingRow(n);
            for (int m = 0; m < rows; m++) {
                x.get(m * stride + i0, row, 0, n);
                for (int i = 0; i < n; i++) {
                    xt[(i0 + i) * rows + m] = row[i];
                }
            }
        });
    }

    private void stageBias(FloatBuffer b, int out, int padded) {
        if (bias.length < padded) {
            bias = new float[padded];
        }
        java.util.Arrays.fill(bias, 0, padded, 0f);
        if (b != null) {
            b.get(0, bias, 0, out);
        }
    }

    /** Panel {@code p}: columns {@code [p NR, p NR + NR)} of every row. */
    private void panel(float[] packed, int p, int rows, int in, int out, FloatBuffer y, Scratch s) {
        s.ensure(rows);
        int at = p * in * NR;
        int m = 0;
        for (; m + 8 <= rows; m += 8) {
            rows8(xt, rows, m, packed, at, in, s.tile);
        }
        for (; m + 4 <= rows; m += 4) {
            rows4(xt, rows, m, packed, at, in, s.tile);
        }
        for (; m + 2 <= rows; m += 2) {
            rows2(xt, rows, m, packed, at, in, s.tile);
        }
        for (; m < rows; m++) {
            rows1(xt, rows, m, packed, at, in, s.tile);
        }
        int col = p * NR;
        int cols = Math.min(NR, out - col);
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < NR; v += LANES) {
                FloatVector.fromArray(SPECIES, s.tile, r * NR + v).add(FloatVector.fromArray(SPECIES, bias, col + v))
                        .intoArray(s.tile, r * NR + v);
            }
            y.put(r * out + col, s.tile, r * NR, cols);
        }
    }

    /** Rows {@code [m, m + 8)} of the panel into {@code tile[m..m+8][NR]}. */
    private static void rows8(float[] xt, int rows, int m, float[] w, int at, int in, float[] tile) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        FloatVector b4 = a0;
        FloatVector b5 = a0;
        FloatVector b6 = a0;
        FloatVector b7 = a0;
        for (int i = 0, wi = at, xi = m; i < in; i++, wi += NR, xi += rows) {
            FloatVector w0 = FloatVector.fromArray(SPECIES, w, wi);
            FloatVector w1 = FloatVector.fromArray(SPECIES, w, wi + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, xt[xi]);
            a0 = w0.fma(x, a0);
            b0 = w1.fma(x, b0);
            x = FloatVector.broadcast(SPECIES, xt[xi + 1]);
            a1 = w0.fma(x, a1);
            b1 = w1.fma(x, b1);
            x = FloatVector.broadcast(SPECIES, xt[xi + 2]);
            a2 = w0.fma(x, a2);
            b2 = w1.fma(x, b2);
            x = FloatVector.broadcast(SPECIES, xt[xi + 3]);
            a3 = w0.fma(x, a3);
            b3 = w1.fma(x, b3);
            x = FloatVector.broadcast(SPECIES, xt[xi + 4]);
            a4 = w0.fma(x, a4);
            b4 = w1.fma(x, b4);
            x = FloatVector.broadcast(SPECIES, xt[xi + 5]);
            a5 = w0.fma(x, a5);
            b5 = w1.fma(x, b5);
            x = FloatVector.broadcast(SPECIES, xt[xi + 6]);
            a6 = w0.fma(x, a6);
            b6 = w1.fma(x, b6);
            x = FloatVector.broadcast(SPECIES, xt[xi + 7]);
            a7 = w0.fma(x, a7);
            b7 = w1.fma(x, b7);
        }
        int t = m * NR;
        a0.intoArray(tile, t);
        b0.intoArray(tile, t + LANES);
        a1.intoArray(tile, t + NR);
        b1.intoArray(tile, t + NR + LANES);
        a2.intoArray(tile, t + 2 * NR);
        b2.intoArray(tile, t + 2 * NR + LANES);
        a3.intoArray(tile, t + 3 * NR);
        b3.intoArray(tile, t + 3 * NR + LANES);
        a4.intoArray(tile, t + 4 * NR);
        b4.intoArray(tile, t + 4 * NR + LANES);
        a5.intoArray(tile, t + 5 * NR);
        b5.intoArray(tile, t + 5 * NR + LANES);
        a6.intoArray(tile, t + 6 * NR);
        b6.intoArray(tile, t + 6 * NR + LANES);
        a7.intoArray(tile, t + 7 * NR);
        b7.intoArray(tile, t + 7 * NR + LANES);
    }

    /** Rows {@code [m, m + 4)}, as {@link #rows8}. */
    private static void rows4(float[] xt, int rows, int m, float[] w, int at, int in, float[] tile) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        for (int i = 0, wi = at, xi = m; i < in; i++, wi += NR, xi += rows) {
            FloatVector w0 = FloatVector.fromArray(SPECIES, w, wi);
            FloatVector w1 = FloatVector.fromArray(SPECIES, w, wi + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, xt[xi]);
            a0 = w0.fma(x, a0);
            b0 = w1.fma(x, b0);
            x = FloatVector.broadcast(SPECIES, xt[xi + 1]);
            a1 = w0.fma(x, a1);
            b1 = w1.fma(x, b1);
            x = FloatVector.broadcast(SPECIES, xt[xi + 2]);
            a2 = w0.fma(x, a2);
            b2 = w1.fma(x, b2);
            x = FloatVector.broadcast(SPECIES, xt[xi + 3]);
            a3 = w0.fma(x, a3);
            b3 = w1.fma(x, b3);
        }
        int t = m * NR;
        a0.intoArray(tile, t);
        b0.intoArray(tile, t + LANES);
        a1.intoArray(tile, t + NR);
        b1.intoArray(tile, t + NR + LANES);
        a2.intoArray(tile, t + 2 * NR);
        b2.intoArray(tile, t + 2 * NR + LANES);
        a3.intoArray(tile, t + 3 * NR);
        b3.intoArray(tile, t + 3 * NR + LANES);
    }

    /** Rows {@code [m, m + 2)}, as {@link #rows8}. */
    private static void rows2(float[] xt, int rows, int m, float[] w, int at, int in, float[] tile) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        for (int i = 0, wi = at, xi = m; i < in; i++, wi += NR, xi += rows) {
            FloatVector w0 = FloatVector.fromArray(SPECIES, w, wi);
            FloatVector w1 = FloatVector.fromArray(SPECIES, w, wi + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, xt[xi]);
            a0 = w0.fma(x, a0);
            b0 = w1.fma(x, b0);
            x = FloatVector.broadcast(SPECIES, xt[xi + 1]);
            a1 = w0.fma(x, a1);
            b1 = w1.fma(x, b1);
        }
        int t = m * NR;
        a0.intoArray(tile, t);
        b0.intoArray(tile, t + LANES);
        a1.intoArray(tile, t + NR);
        b1.intoArray(tile, t + NR + LANES);
    }

    /** Row {@code m}, as {@link #rows8}. */
    private static void rows1(float[] xt, int rows, int m, float[] w, int at, int in, float[] tile) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector b0 = a0;
        for (int i = 0, wi = at, xi = m; i < in; i++, wi += NR, xi += rows) {
            FloatVector x = FloatVector.broadcast(SPECIES, xt[xi]);
            a0 = FloatVector.fromArray(SPECIES, w, wi).fma(x, a0);
            b0 = FloatVector.fromArray(SPECIES, w, wi + LANES).fma(x, b0);
        }
        a0.intoArray(tile, m * NR);
        b0.intoArray(tile, m * NR + LANES);
    }

    /** One worker's buffer: the result tile {@code [M][NR]}. */
    private static final class Scratch {
        float[] tile = new float[0];
        private float[] row = new float[0];   // one row's slice of x, for stageRows

        void ensure(int rows) {
            if (tile.length < rows * NR) {
                tile = new float[rows * NR];
            }
        }

        float[] stagingRow(int n) {
            if (row.length < n) {
                row = new float[n];
            }
            return row;
        }
    }
}
