package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Small queries over result rows (ordered maps with the {@link ResultRow} keys). */
final class Rows {
    private Rows() {
    }

    static List<Map<String, Object>> of(List<Map<String, Object>> rows, String experiment) {
        return rows.stream().filter(r -> experiment.equals(r.get("experiment"))).toList();
    }

    /** Rows grouped by {@code key}, groups in first-seen order. */
    static Map<String, List<Map<String, Object>>> group(List<Map<String, Object>> rows,
                                                        Function<Map<String, Object>, String> key) {
        Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
        rows.forEach(r -> out.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r));
        return out;
    }

    /** A numeric column; {@code inf} strings as infinity; null or missing as NaN. */
    static double num(Map<String, Object> row, String key) {
        Object v = row.get(key);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if ("inf".equals(v)) {
            return Double.POSITIVE_INFINITY;
        }
        return Double.NaN;
    }

    static String str(Map<String, Object> row, String key) {
        Object v = row.get(key);
        return v == null ? "" : String.valueOf(v);
    }

    /** Series {@code x -> y} of each group, sorted by x. */
    static Map<String, ChartFiles.Series> series(Map<String, List<Map<String, Object>>> groups, String x, String y,
                                                 double yScale) {
        Map<String, ChartFiles.Series> out = new LinkedHashMap<>();
        groups.forEach((name, rs) -> {
            List<Map<String, Object>> sorted = new ArrayList<>(rs);
            sorted.sort((a, b) -> Double.compare(num(a, x), num(b, x)));
            double[] xs = sorted.stream().mapToDouble(r -> num(r, x)).toArray();
            double[] ys = sorted.stream().mapToDouble(r -> num(r, y) * yScale).toArray();
            out.put(name, new ChartFiles.Series(xs, ys));
        });
        return out;
    }
}
