package dev.kvlab.bench.jmh;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A JMH JSON result as a markdown table of medians: one row per benchmark and parameter point without
 * {@code strategy}, one column per strategy, plus paged/contiguous when both were run. Results without a
 * {@code strategy} parameter get one column, "median".
 */
final class JmhTable {
    private JmhTable() {
    }

    static String markdown(Path json) {
        try {
            return markdown(JsonParser.parseString(Files.readString(json)).getAsJsonArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String markdown(JsonArray results) {
        List<JsonObject> all = new ArrayList<>();
        Map<String, Set<String>> values = new LinkedHashMap<>();   // parameter -> values seen
        for (JsonElement e : results) {
            JsonObject r = e.getAsJsonObject();
            all.add(r);
            JsonObject params = r.has("params") ? r.getAsJsonObject("params") : new JsonObject();
            for (String p : params.keySet()) {
                values.computeIfAbsent(p, k -> new LinkedHashSet<>()).add(params.get(p).getAsString());
            }
        }
        List<String> columns = new ArrayList<>();
        StringBuilder constant = new StringBuilder();
        values.forEach((p, v) -> {
            if (p.equals("strategy")) {
                return;
            }
            if (v.size() > 1 || p.equals("batch") || p.equals("context")) {
                columns.add(p);
            } else {
                constant.append(constant.length() == 0 ? "" : ", ").append(p).append('=').append(v.iterator().next());
            }
        });
        Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
        Set<String> strategies = new LinkedHashSet<>();
        String unit = "";
        for (JsonObject r : all) {
            JsonObject params = r.has("params") ? r.getAsJsonObject("params") : new JsonObject();
            StringBuilder key = new StringBuilder(shortName(r.get("benchmark").getAsString()));
            for (String p : columns) {
                key.append(" | ").append(params.has(p) ? params.get(p).getAsString() : "");
            }
            String strategy = params.has("strategy") ? params.get("strategy").getAsString() : "median";
            strategies.add(strategy);
            JsonObject metric = r.getAsJsonObject("primaryMetric");
            unit = metric.get("scoreUnit").getAsString();
            double median = metric.getAsJsonObject("scorePercentiles").get("50.0").getAsDouble();
            rows.computeIfAbsent(key.toString(), k -> new LinkedHashMap<>()).put(strategy, median);
        }
        boolean ratio = strategies.contains("paged") && strategies.contains("contiguous");
        StringBuilder sb = new StringBuilder();
        if (constant.length() > 0) {
            sb.append("All rows: ").append(constant).append("\n\n");
        }
        sb.append("| benchmark");
        columns.forEach(p -> sb.append(" | ").append(p));
        for (String s : strategies) {
            sb.append(" | ").append(s).append(" (").append(unit).append(")");
        }
        sb.append(ratio ? " | paged/contiguous |\n" : " |\n");
        sb.append("|---".repeat(1 + columns.size() + strategies.size() + (ratio ? 1 : 0))).append("|\n");
        rows.forEach((key, byStrategy) -> {
            sb.append("| ").append(key);
            strategies.forEach(s -> sb.append(" | ").append(format(byStrategy.get(s))));
            if (ratio) {
                Double p = byStrategy.get("paged");
                Double c = byStrategy.get("contiguous");
                sb.append(" | ").append(p == null || c == null ? "" : String.format(Locale.ROOT, "%.3f", p / c));
            }
            sb.append(" |\n");
        });
        return sb.toString();
    }

    private static String shortName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
    }

    private static String format(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.1f", v);
    }
}
