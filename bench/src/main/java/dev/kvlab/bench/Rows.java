package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** Small queries over typed result rows. */
final class Rows {
    private Rows() {
    }

    /** The runs of one experiment. */
    static List<ResultRow> of(List<ResultRow> rows, String experiment) {
        return rows.stream().filter(r -> experiment.equals(r.experiment())).toList();
    }

    /** Rows grouped by {@code key}, groups in first-seen order. */
    static <R> Map<String, List<R>> group(List<R> rows, Function<R, String> key) {
        Map<String, List<R>> out = new LinkedHashMap<>();
        rows.forEach(r -> out.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r));
        return out;
    }

    /** Series {@code x -> y * yScale} of each group, sorted by x. */
    static <R> Map<String, ChartFiles.Series> series(Map<String, List<R>> groups, ToDoubleFunction<R> x,
                                                     ToDoubleFunction<R> y, double yScale) {
        Map<String, ChartFiles.Series> out = new LinkedHashMap<>();
        groups.forEach((name, rs) -> {
            List<R> sorted = new ArrayList<>(rs);
            sorted.sort(Comparator.comparingDouble(x));
            double[] xs = sorted.stream().mapToDouble(x).toArray();
            double[] ys = sorted.stream().mapToDouble(r -> y.applyAsDouble(r) * yScale).toArray();
            out.put(name, new ChartFiles.Series(xs, ys));
        });
        return out;
    }
}
