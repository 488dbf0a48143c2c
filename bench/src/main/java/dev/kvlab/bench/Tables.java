package dev.kvlab.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes rows (ordered maps) as JSON lines and CSV that {@code pandas.read_json(lines=True)} and
 * {@code pandas.read_csv} read. CSV: RFC 4180 quoting, header = union of keys in first-seen order, null and NaN as
 * empty fields; JSON: NaN as {@code NaN} (pandas accepts it), null fields kept.
 */
public final class Tables {
    private static final Gson GSON = new GsonBuilder().serializeNulls().serializeSpecialFloatingPointValues()
            .disableHtmlEscaping().create();

    private Tables() {
    }

    public static void write(Path dir, String name, List<Map<String, Object>> rows) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".jsonl"), jsonLines(rows));
            Files.writeString(dir.resolve(name + ".csv"), csv(rows));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " under " + dir, e);
        }
    }

    public static String jsonLines(List<Map<String, Object>> rows) {
        StringBuilder b = new StringBuilder();
        rows.forEach(r -> b.append(GSON.toJson(r)).append('\n'));
        return b.toString();
    }

    public static String csv(List<Map<String, Object>> rows) {
        Set<String> header = new LinkedHashSet<>();
        rows.forEach(r -> header.addAll(r.keySet()));
        StringBuilder b = new StringBuilder(String.join(",", header)).append('\n');
        for (Map<String, Object> r : rows) {
            List<String> cells = new ArrayList<>(header.size());
            for (String k : header) {
                cells.add(cell(r.get(k)));
            }
            b.append(String.join(",", cells)).append('\n');
        }
        return b.toString();
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
