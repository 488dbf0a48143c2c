package dev.kvlab.bench;

import dev.kvlab.runtime.IoErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The results of a bench run as they finish: each finished run's row is appended (and flushed) to
 * {@code runs.jsonl}/{@code runs.csv} and its requests to {@code requests.jsonl}/{@code requests.csv} the moment it
 * completes, and kept here, so an interrupted run ({@link #snapshot}) can still write its summary and charts for
 * what finished. Thread-safe: the measuring thread appends while a shutdown hook may take a snapshot; every append
 * is whole lines under this object's lock.
 */
final class RunLog {
    private final Path dir;
    private final List<ResultRow> runs = new ArrayList<>();
    private final List<RequestRow> requests = new ArrayList<>();
    private final List<KvGrowthRow> kvGrowth = new ArrayList<>();
    private final List<LongGenRow> longGen = new ArrayList<>();
    private final List<QualityRow> quality = new ArrayList<>();
    private final List<QualityPositionRow> qualityPositions = new ArrayList<>();
    private final List<AttentionRow> attention = new ArrayList<>();
    /** Set by {@link #close}: the JVM is going down and the summary is written; later rows are dropped. */
    private boolean closed;

    /** @param dir the prepared {@code --out} directory ({@link RunDir}); null writes nothing (tests) */
    RunLog(Path dir) {
        this.dir = dir;
    }

    /** Rows of an earlier, interrupted run in the same directory (already on disk: not appended again). */
    synchronized void resumed(Results earlier) {
        runs.addAll(earlier.runs());
        requests.addAll(earlier.requests());
        kvGrowth.addAll(earlier.kvGrowth());
        longGen.addAll(earlier.longGen());
        quality.addAll(earlier.quality());
        qualityPositions.addAll(earlier.qualityPositions());
        attention.addAll(earlier.attention());
    }

    /** Appends one finished sweep point: its row and its requests' rows. */
    synchronized void run(ResultRow row, List<RequestRow> rows) {
        if (closed) {
            awaitHalt();
            return;
        }
        append("runs", List.of(row));
        append("requests", rows);
        runs.add(row);
        requests.addAll(rows);
    }

    synchronized void kvGrowth(List<KvGrowthRow> rows) {
        if (closed) {
            awaitHalt();
            return;
        }
        append("kv_growth", rows);
        kvGrowth.addAll(rows);
    }

    synchronized void longGen(List<LongGenRow> rows) {
        if (closed) {
            awaitHalt();
            return;
        }
        append("long_gen", rows);
        longGen.addAll(rows);
    }

    synchronized void quality(QualityExperiment.Tables tables, List<AttentionRow> attentionRows) {
        if (closed) {
            awaitHalt();
            return;
        }
        append("quality", tables.quality());
        append("quality_positions", tables.positions());
        append("attention", attentionRows);
        quality.addAll(tables.quality());
        qualityPositions.addAll(tables.positions());
        attention.addAll(attentionRows);
    }

    /** Whether a sweep point of this experiment, label and workload has a row already (for --resume). */
    synchronized boolean has(String experiment, String label, String workload) {
        return runs.stream().anyMatch(r -> r.experiment().equals(experiment) && r.label().equals(label)
                && r.workload().equals(workload));
    }

    synchronized boolean hasKvGrowth() {
        return !kvGrowth.isEmpty();
    }

    synchronized boolean hasLongGen() {
        return !longGen.isEmpty();
    }

    synchronized boolean hasQuality() {
        return !quality.isEmpty();
    }

    /**
     * The run is being interrupted: what {@link #snapshot} returns now is what the summary shows, so rows that
     * finish after this are neither kept nor appended (the files and the summary agree): the thread that brings one
     * waits for the JVM to halt.
     */
    synchronized void close() {
        closed = true;
    }

    /**
     * After {@link #close}: the measuring thread parks here until the JVM halts (right after the shutdown hook), so
     * it neither appends a row the summary lacks nor prints a progress line for it.
     */
    private void awaitHalt() {
        try {
            while (closed) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Everything finished so far, as results. */
    synchronized Results snapshot(BenchEnv env, String command) {
        return new Results(env, command, List.copyOf(runs), List.copyOf(requests), List.copyOf(kvGrowth),
                List.copyOf(longGen), List.copyOf(quality), List.copyOf(qualityPositions), List.copyOf(attention));
    }

    private void append(String table, List<? extends Record> rows) {
        if (dir == null || rows.isEmpty()) {
            return;
        }
        try {
            Path jsonl = dir.resolve(table + ".jsonl");
            Path csv = dir.resolve(table + ".csv");
            StringBuilder c = new StringBuilder();
            if (!Files.exists(csv) || Files.size(csv) == 0) {
                c.append(Tables.csvHeader(rows.get(0).getClass())).append('\n');
            }
            StringBuilder j = new StringBuilder();
            for (Record r : rows) {
                j.append(Tables.jsonLine(r)).append('\n');
                c.append(Tables.csvLine(r)).append('\n');
            }
            Files.writeString(jsonl, j, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.SYNC);
            Files.writeString(csv, c, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + table + " under " + dir + ": " + IoErrors.describe(e), e);
        }
    }
}
