package dev.kvlab.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The paired runs' schedule and ratio table ({@link Rounds}, {@link PairedDecodeTable}) on synthetic timings: no
 * natives. Expected values are worked out by hand below.
 */
class PairedRoundsTest {
    private static final PairedDecodeTable TABLE = new PairedDecodeTable(List.of(1, 8), List.of("contiguous", "paged"));

    @Test
    void everyBatchAndVariantOnceARoundInRotatingOrder() {
        List<int[]> calls = new ArrayList<>();     // (round, cell) in call order
        Rounds.run(TABLE.cells(), 2, 3, (cell, round) -> calls.add(new int[] {round, cell}));
        assertEquals(5 * 4, calls.size(), "2 warmup + 3 measured rounds of 2 batches x 2 variants");
        for (int r = 0; r < 5; r++) {
            Set<List<Integer>> seen = new HashSet<>();
            for (int k = 0; k < 4; k++) {
                int[] call = calls.get(4 * r + k);
                assertEquals(r - 2, call[0], "rounds -2..2 in order, warmup rounds negative");
                seen.add(List.of(TABLE.batches().get(call[1] / 2), call[1] % 2));
            }
            assertEquals(Set.of(List.of(1, 0), List.of(1, 1), List.of(8, 0), List.of(8, 1)), seen, "round " + r);
            assertEquals(Math.floorMod(r - 2, 4), calls.get(4 * r)[1], "the first cell moves on by one each round");
        }
        assertEquals(3, TABLE.cell(1, 1));
        assertEquals(1, TABLE.cell(0, 1));
    }

    @Test
    void valuesKeepOnlyMeasuredRoundsUnderTheirCell() {
        int[] counter = {0};
        double[][] v = Rounds.values(3, 1, 2, cell -> counter[0]++);   // the value is the call's position
        // round -1: cells 2,0,1 (calls 0-2, dropped); round 0: cells 0,1,2 (3,4,5); round 1: cells 1,2,0 (6,7,8)
        assertArrayEquals(new double[] {3, 8}, v[0]);
        assertArrayEquals(new double[] {4, 6}, v[1]);
        assertArrayEquals(new double[] {5, 7}, v[2]);
    }

    @Test
    void ratiosAreMediansOfPerRoundRatios() {
        double[][] ms = new double[4][];
        ms[TABLE.cell(0, 0)] = new double[] {10, 20, 40};   // contiguous, batch 1
        ms[TABLE.cell(0, 1)] = new double[] {12, 30, 40};   // paged, batch 1
        ms[TABLE.cell(1, 0)] = new double[] {20, 50, 60};   // contiguous, batch 8: per round 2, 2.5, 1.5 x batch 1
        ms[TABLE.cell(1, 1)] = new double[] {36, 60, 40};   // paged, batch 8: per round 3, 2, 1 x batch 1
        // median of per-round ratios, not the ratio of medians (50/20 = 2.5 and 40/30 = 1.33)
        assertEquals(2.0, Rounds.median(TABLE.toFirstBatch(ms, 1, 0)), 0.0);
        assertEquals(2.0, Rounds.median(TABLE.toFirstBatch(ms, 1, 1)), 0.0);
        assertEquals(1.2, TABLE.toFirstVariant(ms, 0, 1), 0.0);     // 1.2, 1.5, 1.0
        assertEquals(1.2, TABLE.toFirstVariant(ms, 1, 1), 0.0);     // 1.8, 1.2, 0.67
        assertEquals(List.of(
                "| batch | context | layout | contiguous ms (p10-p90) | paged ms (p10-p90) | paged/contiguous"
                        + " | contiguous B / B=1 (p10-p90) | paged B / B=1 (p10-p90) |",
                "|---|---|---|---|---|---|---|---|"), TABLE.header());
        // p10/p90 of 3 values: ranks 0.2 and 1.8, e.g. [10, 20, 40] -> 10 + 0.2 * 10 = 12 and 20 + 0.8 * 20 = 36
        assertEquals(List.of(
                "| 1 | 128 | sequential | 20.0 (12.0-36.0) | 30.0 (15.6-38.0) | 1.200 | - | - |",
                "| 8 | 128 | sequential | 50.0 (26.0-58.0) | 40.0 (36.8-56.0) | 1.200 | 2.00 (1.60-2.40)"
                        + " | 2.00 (1.20-2.80) |"), TABLE.rows(128, "sequential", ms));
    }

    @Test
    void oneBatchSizeKeepsTheTableOfOneBatchPerPoint() {
        PairedDecodeTable one = new PairedDecodeTable(List.of(8), List.of("contiguous", "paged"));
        double[][] ms = {{10, 20, 30}, {15, 20, 60}};
        assertEquals(List.of("| batch | context | layout | contiguous ms (p10-p90) | paged ms (p10-p90)"
                + " | paged/contiguous |", "|---|---|---|---|---|---|"), one.header());
        assertEquals(List.of("| 8 | 512 | interleaved | 20.0 (12.0-28.0) | 20.0 (16.0-52.0) | 1.500 |"),
                one.rows(512, "interleaved", ms));
    }
}
