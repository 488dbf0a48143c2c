package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
        quality(r.quality(), out);
        return out;
    }

    private static void waste(List<ResultRow> rows, List<String> out) {
        List<ResultRow> s = Rows.of(rows, "strategies");
        if (!s.isEmpty()) {
            StringBuilder b = new StringBuilder("KV waste (reserved but not live, time-averaged):");
            s.forEach(r -> b.append(f(" %s %.1f%%;", r.label(), r.engine().kvWastePct())));
            out.add(b.substring(0, b.length() - 1));
        }
    }

    private static void capacity(List<ResultRow> rows, List<String> out) {
        List<ResultRow> c = Rows.of(rows, "capacity");
        Optional<Integer> paged = peak(c, "paged");
        if (paged.isEmpty()) {
            return;
        }
        for (String other : List.of("contiguous:max", "contiguous")) {
            peak(c, other).ifPresent(p -> out.add(f("Max concurrent sequences at a KV budget of %d tokens: paged %d vs "
                    + "%s %d = %.2fx", c.get(0).point().kvBudgetTokens(), paged.get(), other, p,
                    (double) paged.get() / p)));
        }
    }

    private static Optional<Integer> peak(List<ResultRow> rows, String strategy) {
        return rows.stream().filter(r -> strategy.equals(r.strategy())).map(r -> r.engine().maxConcurrentSeqs())
                .findFirst();
    }

    private static void batching(List<ResultRow> rows, List<String> out) {
        var byLimit = Rows.group(Rows.of(rows, "batching"), r -> String.valueOf(r.point().batchLimit()));
        byLimit.forEach((limit, rs) -> {
            Optional<ResultRow> cont = find(rs, RunConfig.CONTINUOUS);
            Optional<ResultRow> stat = find(rs, RunConfig.STATIC);
            if (cont.isPresent() && stat.isPresent()) {
                double c = cont.get().latency().outputThroughput();
                double s = stat.get().latency().outputThroughput();
                double cs = cont.get().engine().steps();
                double ss = stat.get().engine().steps();
                out.add(f("Continuous vs static batching at batch limit %s: %.1f vs %.1f output tok/s = %.2fx "
                        + "(engine steps %.0f vs %.0f = %.2fx fewer)", limit, c, s, c / s, cs, ss, ss / cs));
            }
        });
    }

    private static Optional<ResultRow> find(List<ResultRow> rows, String batching) {
        return rows.stream().filter(r -> batching.equals(r.point().batching())).findFirst();
    }

    private static void prefix(List<ResultRow> rows, List<String> out) {
        for (ResultRow r : Rows.of(rows, "prefix")) {
            out.add(f("Shared prefix, %s: prefix-cache hit rate %.1f%%, %.1f output tok/s, TTFT p50 %.0f ms",
                    r.strategy(), 100 * r.engine().prefixCacheHitRate(), r.latency().outputThroughput(),
                    r.latency().medianTtftMs()));
        }
    }

    private static void longGen(List<LongGenRow> rows, List<String> out) {
        var by = Rows.group(rows, LongGenRow::strategy);
        List<LongGenRow> none = by.get("none");
        if (none == null) {
            return;
        }
        by.forEach((s, rs) -> {
            if (!s.equals("none")) {
                LongGenRow a = rs.get(rs.size() - 1);
                LongGenRow b = none.get(none.size() - 1);
                out.add(f("Long generation to %d tokens (%s): per token at length %d %.1f ms (none) vs %.1f ms (%s) = "
                                + "%.1fx; total %.1f s vs %.1f s = %.1fx (estimated from sampled steps)",
                        a.totalTokens(), a.env().model(), a.length(), b.stepMs(), a.stepMs(), s,
                        b.stepMs() / a.stepMs(), b.estimatedTotalS(), a.estimatedTotalS(),
                        b.estimatedTotalS() / a.estimatedTotalS()));
            }
        });
    }

    /** Ring perplexity without and with sinks at each window, beside StreamingLLM's numbers. */
    private static void quality(List<QualityRow> rows, List<String> out) {
        if (rows.isEmpty()) {
            return;
        }
        QualityRow any = rows.get(0);
        StringBuilder b = new StringBuilder(f("Perplexity (%s, %s text, full cache %.2f), ring sinks 0 / 4:",
                any.env().model(), any.text(), any.perplexityFull()));
        Rows.group(rows.stream().filter(r -> r.strategy().equals("ring")).toList(),
                r -> String.valueOf(r.kvBudgetTokens())).forEach((w, rs) -> b.append(f(" w=%s %s / %s;", w,
                    sinks(rs, 0), sinks(rs, 4))));
        out.add(b.substring(0, b.length() - 1) + " (StreamingLLM, Llama-2-13B on PG19, 1024-token cache: window alone "
                + "5158, with 4 sinks 5.40)");
    }

    private static String sinks(List<QualityRow> rs, int sinks) {
        return rs.stream().filter(r -> r.sinks() == sinks).findFirst().map(r -> f("%.2f", r.perplexity())).orElse("-");
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
