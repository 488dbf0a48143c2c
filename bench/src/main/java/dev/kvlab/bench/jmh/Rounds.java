package dev.kvlab.bench.jmh;

import dev.kvlab.bench.Percentiles;
import java.util.Locale;
import java.util.function.IntToDoubleFunction;

/**
 * The round-robin schedule of the {@code --paired} runs: every cell (one measured thing: a strategy, an op, a batch
 * size of a strategy) takes one sample per round, in an order that rotates by one each round, so that no cell always
 * runs first or right after the same neighbour. Ratios between cells are taken round by round (samples of one round
 * ran side by side under the same machine load) and summarised by their median ({@link Percentiles}: numpy's linear
 * interpolation).
 */
final class Rounds {
    private Rounds() {
    }

    /** The cell that runs {@code k}-th in round {@code round} ({@code round < 0}: warmup) of {@code cells} cells. */
    static int cellAt(int k, int round, int cells) {
        return Math.floorMod(k + round, cells);
    }

    /** Takes one sample of {@code cell} in {@code round}: the index to record it under, negative in a warmup round. */
    interface Sampler {
        void sample(int cell, int round);
    }

    /** Runs rounds {@code -warmup .. samples - 1}, each cell once per round in the rotating order. */
    static void run(int cells, int warmup, int samples, Sampler sampler) {
        for (int round = -warmup; round < samples; round++) {
            for (int k = 0; k < cells; k++) {
                sampler.sample(cellAt(k, round, cells), round);
            }
        }
    }

    /**
     * As {@link #run(int, int, int, Sampler)} where a sample is one value (a time), returned by {@code sample}.
     * Returns {@code [cells][samples]}: the value of each cell in each measured round.
     */
    static double[][] values(int cells, int warmup, int samples, IntToDoubleFunction sample) {
        double[][] values = new double[cells][samples];
        run(cells, warmup, samples, (cell, round) -> {
            double v = sample.applyAsDouble(cell);
            if (round >= 0) {
                values[cell][round] = v;
            }
        });
        return values;
    }

    /** Round-by-round ratios {@code a[i] / b[i]}. */
    static double[] ratios(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return r;
    }

    /** The median of {@code v}. */
    static double median(double[] v) {
        return Percentiles.of(v, 50);
    }

    /** {@code "median (p10-p90)"} of {@code v}, each number in {@code format} (e.g. {@code "%.1f"}). */
    static String spread(double[] v, String format) {
        return String.format(Locale.ROOT, format + " (" + format + "-" + format + ")", Percentiles.of(v, 50),
                Percentiles.of(v, 10), Percentiles.of(v, 90));
    }
}
