package dev.kvlab.bench.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cells and the table of one {@link PairedDecode} run. A point (one context and layout) measures every batch size
 * of every variant; cell {@code b * variants + v} is batch {@code batches[b]} of variant {@code variants[v]}, and a
 * round takes one sample of each ({@link Rounds}). The table has one row per batch size: per variant the median step
 * time (p10-p90), the median of its per-round ratios to the first variant at the same batch, and, with more than one
 * batch size, the median (p10-p90) of its per-round ratios to its own step at the first batch size listed
 * ({@code B / B=1} with the default {@code batch=1,8,32}: TPOT at batch B over TPOT at batch 1, side by side).
 *
 * @param batches  the batch sizes of a point, in the order given ({@code -p batch=}); the first is the reference
 * @param variants the variants (strategy, with {@code @decode} and {@code +linear} where several are given)
 */
record PairedDecodeTable(List<Integer> batches, List<String> variants) {

    int cells() {
        return batches.size() * variants.size();
    }

    /** The cell of batch index {@code b} and variant index {@code v}. */
    int cell(int b, int v) {
        return b * variants.size() + v;
    }

    /** Median of variant {@code v}'s per-round ratios to variant 0, both at batch index {@code b}. */
    double toFirstVariant(double[][] ms, int b, int v) {
        return Rounds.median(Rounds.ratios(ms[cell(b, v)], ms[cell(b, 0)]));
    }

    /** Per-round ratios of variant {@code v} at batch index {@code b} to the same variant at the first batch. */
    double[] toFirstBatch(double[][] ms, int b, int v) {
        return Rounds.ratios(ms[cell(b, v)], ms[cell(0, v)]);
    }

    /** The header and rule lines. */
    List<String> header() {
        StringBuilder head = new StringBuilder("| batch | context | layout");
        variants.forEach(s -> head.append(" | ").append(s).append(" ms (p10-p90)"));
        variants.stream().skip(1).forEach(s -> head.append(" | ").append(s).append("/").append(variants.get(0)));
        if (batches.size() > 1) {
            variants.forEach(s -> head.append(" | ").append(s).append(" B / B=").append(batches.get(0))
                    .append(" (p10-p90)"));
        }
        int columns = 3 + 2 * variants.size() - 1 + (batches.size() > 1 ? variants.size() : 0);
        return List.of(head.append(" |").toString(), "|---".repeat(columns) + "|");
    }

    /** One row per batch size of the point at {@code context} and {@code layout}; {@code ms}: [cells][rounds]. */
    List<String> rows(int context, String layout, double[][] ms) {
        List<String> rows = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %d | %d | %s", batches.get(b),
                    context, layout));
            for (int v = 0; v < variants.size(); v++) {
                row.append(" | ").append(Rounds.spread(ms[cell(b, v)], "%.1f"));
            }
            for (int v = 1; v < variants.size(); v++) {
                row.append(String.format(Locale.ROOT, " | %.3f", toFirstVariant(ms, b, v)));
            }
            if (batches.size() > 1) {
                for (int v = 0; v < variants.size(); v++) {
                    row.append(" | ").append(b == 0 ? "-" : Rounds.spread(toFirstBatch(ms, b, v), "%.2f"));
                }
            }
            rows.add(row.append(" |").toString());
        }
        return rows;
    }
}
