package dev.kvlab.model.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decode rows of one step and, for each, the pool slots it attends to as runs of consecutive slots in storage
 * order: the one form every {@link dev.kvlab.cache.AttentionView} lowers to for the decode-attention call
 * ({@link SlotRuns}). Built once per step on the host, shared by every layer.
 *
 * <p>Invariants: every row has at least one run; runs are non-empty; row {@code i}'s runs are
 * {@code [runOffsets[i], runOffsets[i + 1])}; {@code rows} are step rows in increasing order.
 *
 * @param rows       step row (index into the step's T rows) of each decode row, {@code [R]}
 * @param runOffsets {@code [R + 1]}: where each row's runs start in {@code runStarts}/{@code runLengths}
 * @param runStarts  first pool slot of each run
 * @param runLengths slots of each run
 * @param stats      what the rows asking for statistics need; null when no row asks (then they cost nothing)
 */
record DecodeRows(int[] rows, int[] runOffsets, int[] runStarts, int[] runLengths, DecodeStats stats) {

    int size() {
        return rows.length;
    }

    /** Keys row {@code i} attends to (the sum of its run lengths). */
    int keys(int i) {
        int n = 0;
        for (int r = runOffsets[i]; r < runOffsets[i + 1]; r++) {
            n += runLengths[r];
        }
        return n;
    }

    /** The most keys any row attends to (0 when there are no rows). */
    int maxKeys() {
        int m = 0;
        for (int i = 0; i < size(); i++) {
            m = Math.max(m, keys(i));
        }
        return m;
    }

    /** Collects rows and their runs; appended runs belong to the last row begun. */
    static final class Builder {
        private int[] rows = new int[8];
        private int[] offsets = new int[9];
        private int[] starts = new int[8];
        private int[] lengths = new int[8];
        private int numRows;
        private int numRuns;
        private List<StatsRow> statsRows;   // null until a row asks

        /** A stats row as {@link #statsRow} received it. */
        private record StatsRow(int rowIndex, int held, boolean asksMass, boolean attends, boolean keyNorms,
                                int ownSlot, int[] entries) {
        }

        /** Starts a decode row at step row {@code row}. */
        void beginRow(int row) {
            if (numRows > 0 && offsets[numRows] == offsets[numRows - 1]) {
                throw new IllegalStateException("decode row " + rows[numRows - 1] + " attends to no slot");
            }
            if (numRows == rows.length) {
                rows = Arrays.copyOf(rows, numRows * 2);
                offsets = Arrays.copyOf(offsets, numRows * 2 + 1);
            }
            rows[numRows++] = row;
            offsets[numRows] = numRuns;
        }

        /** Adds slots {@code [start, start + length)}, merged with the previous run when they continue it. */
        void addRun(int start, int length) {
            if (length <= 0) {
                return;
            }
            if (numRuns > offsets[numRows - 1] && starts[numRuns - 1] + lengths[numRuns - 1] == start) {
                lengths[numRuns - 1] += length;
                return;
            }
            if (numRuns == starts.length) {
                starts = Arrays.copyOf(starts, numRuns * 2);
                lengths = Arrays.copyOf(lengths, numRuns * 2);
            }
            starts[numRuns] = start;
            lengths[numRuns++] = length;
            offsets[numRows] = numRuns;
        }

        /**
         * Marks the last row begun (its runs all added) as asking for statistics; see {@link DecodeStats} for the
         * parameters. {@code entries} (null unless it attends) lists the view entry of each of its keys in run order.
         */
        void statsRow(int held, boolean asksMass, boolean attends, boolean keyNorms, int ownSlot, int[] entries) {
            int keys = 0;
            for (int r = offsets[numRows - 1]; r < numRuns; r++) {
                keys += lengths[r];
            }
            if (attends != (entries != null) || entries != null && entries.length != keys) {
                throw new IllegalStateException("a stats row lists an entry for each of its " + keys + " keys");
            }
            if (statsRows == null) {
                statsRows = new ArrayList<>();
            }
            statsRows.add(new StatsRow(numRows - 1, held, asksMass, attends, keyNorms, ownSlot, entries));
        }

        DecodeRows build() {
            if (numRows > 0 && offsets[numRows] == offsets[numRows - 1]) {
                throw new IllegalStateException("decode row " + rows[numRows - 1] + " attends to no slot");
            }
            return new DecodeRows(Arrays.copyOf(rows, numRows), Arrays.copyOf(offsets, numRows + 1),
                    Arrays.copyOf(starts, numRuns), Arrays.copyOf(lengths, numRuns), stats());
        }

        private DecodeStats stats() {
            if (statsRows == null) {
                return null;
            }
            int n = statsRows.size();
            int[] rowIndex = new int[n];
            int[] held = new int[n];
            boolean[] asks = new boolean[n];
            boolean[] attends = new boolean[n];
            boolean[] norms = new boolean[n];
            int[] own = new int[n];
            int[][] entries = new int[n][];
            int[] probsAt = new int[numRows];
            Arrays.fill(probsAt, -1);
            int keys = 0;
            for (int s = 0; s < n; s++) {
                StatsRow r = statsRows.get(s);
                rowIndex[s] = r.rowIndex();
                held[s] = r.held();
                asks[s] = r.asksMass();
                attends[s] = r.attends();
                norms[s] = r.keyNorms();
                own[s] = r.ownSlot();
                entries[s] = r.entries();
                if (r.attends()) {
                    probsAt[r.rowIndex()] = keys;
                    keys += r.entries().length;
                }
            }
            return new DecodeStats(rowIndex, held, asks, attends, norms, own, entries, probsAt, keys);
        }
    }
}
