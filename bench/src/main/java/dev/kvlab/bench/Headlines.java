package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The headline numbers, computed from result rows (never typed in): KV waste per strategy, max concurrent sequences
 * at a fixed budget (paged vs contiguous), continuous vs static throughput at the same batch limit, prefix-cache
 * hit rate, and the with/without-cache ratio of the long generation. Each line says what it compares.
 */
public final class Headlines {
    private Headlines() {
    }

    public static List<String> of(Results r) {
        List<String> out = new ArrayList<>();
        waste(r.runs(), out);
        capacity(r.runs(), out);
        batching(r.runs(), out);
        prefix(r.runs(), out);
        longGen(r.longGen(), out);
        ring(r.ringQuality(), out);
        return out;
    }

    private static void waste(List<Map<String, Object>> rows, List<String> out) {
        List<Map<String, Object>> s = Rows.of(rows, "strategies");
        if (!s.isEmpty()) {
            StringBuilder b = new StringBuilder("KV waste (reserved but not live, time-averaged):");
            s.forEach(r -> b.append(f(" %s %.1f%%;", Rows.str(r, "label"), Rows.num(r, "kv_waste_pct"))));
            out.add(b.substring(0, b.length() - 1));
        }
    }

    private static void capacity(List<Map<String, Object>> rows, List<String> out) {
        List<Map<String, Object>> c = Rows.of(rows, "capacity");
        Optional<Double> paged = peak(c, "paged");
        if (paged.isEmpty()) {
            return;
        }
        for (String other : List.of("contiguous:max", "contiguous")) {
            peak(c, other).ifPresent(p -> out.add(f("Max concurrent sequences at a KV budget of %s tokens: paged %.0f vs "
                    + "%s %.0f = %.2fx", Rows.str(c.get(0), "kv_budget_tokens"), paged.get(), other, p, paged.get() / p)));
        }
    }

    private static Optional<Double> peak(List<Map<String, Object>> rows, String strategy) {
        return rows.stream().filter(r -> strategy.equals(r.get("strategy")))
                .map(r -> Rows.num(r, "max_concurrent_seqs")).findFirst();
    }

    private static void batching(List<Map<String, Object>> rows, List<String> out) {
        var byLimit = Rows.group(Rows.of(rows, "batching"), r -> Rows.str(r, "batch_limit"));
        byLimit.forEach((limit, rs) -> {
            Optional<Map<String, Object>> cont = find(rs, RunConfig.CONTINUOUS);
            Optional<Map<String, Object>> stat = find(rs, RunConfig.STATIC);
            if (cont.isPresent() && stat.isPresent()) {
                double c = Rows.num(cont.get(), "output_throughput");
                double s = Rows.num(stat.get(), "output_throughput");
                double cs = Rows.num(cont.get(), "steps");
                double ss = Rows.num(stat.get(), "steps");
                out.add(f("Continuous vs static batching at batch limit %s: %.1f vs %.1f output tok/s = %.2fx "
                        + "(engine steps %.0f vs %.0f = %.2fx fewer)", limit, c, s, c / s, cs, ss, ss / cs));
            }
        });
    }

    private static Optional<Map<String, Object>> find(List<Map<String, Object>> rows, String batching) {
        return rows.stream().filter(r -> batching.equals(r.get("batching"))).findFirst();
    }

    private static void prefix(List<Map<String, Object>> rows, List<String> out) {
        for (Map<String, Object> r : Rows.of(rows, "prefix")) {
            out.add(f("Shared prefix, %s: prefix-cache hit rate %.1f%%, %.1f output tok/s, TTFT p50 %.0f ms",
                    Rows.str(r, "strategy"), 100 * Rows.num(r, "prefix_cache_hit_rate"), Rows.num(r, "output_throughput"),
                    Rows.num(r, "median_ttft_ms")));
        }
    }

    private static void longGen(List<Map<String, Object>> rows, List<String> out) {
        var by = Rows.group(rows, r -> Rows.str(r, "strategy"));
        List<Map<String, Object>> none = by.get("none");
        if (none == null) {
            return;
        }
        by.forEach((s, rs) -> {
            if (!s.equals("none")) {
                Map<String, Object> a = rs.get(rs.size() - 1);
                Map<String, Object> b = none.get(none.size() - 1);
                out.add(f("Long generation to %s tokens (%s): per token at length %s %.1f ms (none) vs %.1f ms (%s) = "
                                + "%.1fx; total %.1f s vs %.1f s = %.1fx (estimated from sampled steps)",
                        Rows.str(a, "total_tokens"), Rows.str(a, "model"), Rows.str(a, "length"), Rows.num(b, "step_ms"),
                        Rows.num(a, "step_ms"), s, Rows.num(b, "step_ms") / Rows.num(a, "step_ms"),
                        Rows.num(b, "estimated_total_s"), Rows.num(a, "estimated_total_s"),
                        Rows.num(b, "estimated_total_s") / Rows.num(a, "estimated_total_s")));
            }
        });
    }

    private static void ring(List<Map<String, Object>> rows, List<String> out) {
        if (rows.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder("Ring window vs full attention, greedy agreement past the window:");
        rows.forEach(r -> b.append(f(" w=%s %.1f%%;", Rows.str(r, "window"), 100 * Rows.num(r, "greedy_agreement"))));
        out.add(b.substring(0, b.length() - 1));
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
