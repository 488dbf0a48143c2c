package dev.kvlab.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes typed rows (records, flattened to columns by {@link FlatRecord}) as JSON lines and CSV that
 * {@code pandas.read_json(lines=True)} and {@code pandas.read_csv} read. CSV: RFC 4180 quoting, header = the record's
 * columns, null and NaN as empty fields, infinity as {@code inf}; JSON: NaN as {@code NaN} and infinity as
 * {@code Infinity} (pandas accepts both), null fields kept.
 */
public final class Tables {
    private static final Gson GSON = new GsonBuilder().serializeNulls().serializeSpecialFloatingPointValues()
            .disableHtmlEscaping().create();

    private Tables() {
    }

    public static void write(Path dir, String name, List<? extends Record> rows) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".jsonl"), jsonLines(rows));
            Files.writeString(dir.resolve(name + ".csv"), csv(rows));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " under " + dir, e);
        }
    }

    /** One JSON object per row and line. */
    public static String jsonLines(List<? extends Record> rows) {
        StringBuilder b = new StringBuilder();
        rows.forEach(r -> b.append(jsonLine(r)).append('\n'));
        return b.toString();
    }

    /** One row as a JSON object on one line (no newline). */
    public static String jsonLine(Record row) {
        return GSON.toJson(FlatRecord.columns(row));
    }

    /** Header and rows; every row must be of the same record type. */
    public static String csv(List<? extends Record> rows) {
        if (rows.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(csvHeader(rows.get(0).getClass())).append('\n');
        rows.forEach(r -> b.append(csvLine(r)).append('\n'));
        return b.toString();
    }

    /** The CSV header of rows of {@code type} (no newline). */
    public static String csvHeader(Class<? extends Record> type) {
        return String.join(",", FlatRecord.header(type));
    }

    /** One row as a CSV line (no newline). */
    public static String csvLine(Record row) {
        List<String> cells = new ArrayList<>();
        FlatRecord.columns(row).values().forEach(v -> cells.add(cell(v)));
        return String.join(",", cells);
    }

    /** Six significant digits, plain notation, no trailing zeros; inf for infinities. */
    static String number(double d) {
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        return new java.math.BigDecimal(d).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }

    static String cell(Object v) {
        if (v == null || (v instanceof Double d && d.isNaN())) {
            return "";
        }
        String s = v instanceof Double d ? number(d) : String.valueOf(v);
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }
}
