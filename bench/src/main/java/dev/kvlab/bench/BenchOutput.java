package dev.kvlab.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a run directory: {@code runs.jsonl/.csv} (one row per sweep point), {@code requests.jsonl/.csv},
 * {@code kv_growth}, {@code long_gen}, {@code quality}, {@code quality_positions}, {@code attention} tables when
 * those ran, {@code charts/*.png|svg} and
 * {@code summary.md}.
 */
final class BenchOutput {
    private BenchOutput() {
    }

    /** Writes everything; returns the headlines. */
    static List<String> write(Results r, Path dir) {
        Replot.writeMeta(r, dir);
        tableIfAny(dir, "runs", r.runs());
        tableIfAny(dir, "requests", r.requests());
        tableIfAny(dir, "kv_growth", r.kvGrowth());
        tableIfAny(dir, "long_gen", r.longGen());
        tableIfAny(dir, "quality", r.quality());
        tableIfAny(dir, "quality_positions", r.qualityPositions());
        tableIfAny(dir, "attention", r.attention());
        List<String> charts = BenchCharts.draw(r, dir.resolve("charts"));
        List<String> headlines = Headlines.of(r);
        try {
            Files.writeString(dir.resolve("summary.md"), SummaryReport.markdown(r, charts, headlines));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write summary.md under " + dir, e);
        }
        return headlines;
    }

    private static void tableIfAny(Path dir, String name, List<? extends Record> rows) {
        if (!rows.isEmpty()) {
            Tables.write(dir, name, rows);
        }
    }
}
