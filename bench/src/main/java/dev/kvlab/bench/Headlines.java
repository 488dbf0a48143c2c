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
        policies(r.runs(), out);
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

    /** Decode time per output token of each run of the {@code policies} sweep against paged's, measured side by side. */
    private static void policies(List<ResultRow> rows, List<String> out) {
        List<ResultRow> p = Rows.of(rows, "policies");
        Optional<ResultRow> paged = p.stream().filter(r -> r.strategy().equals("paged")).findFirst();
        if (paged.isEmpty()) {
            return;
        }
        double base = paged.get().latency().medianTpotMs();
        StringBuilder b = new StringBuilder(f("TPOT p50 vs paged (%.1f ms, %s):", base, p.get(0).workload()));
        p.stream().filter(r -> r != paged.get()).forEach(r -> b.append(f(" %s %.1f ms = %.2fx;", r.label(),
                r.latency().medianTpotMs(), r.latency().medianTpotMs() / base)));
        out.add(b.substring(0, b.length() - 1));
    }

    /**
     * At the smallest KV budget of at least a fifth of the passage, each strategy's Δ perplexity and KL; then, for
     * each strategy that reads sinks, perplexity without and with them at each budget, beside StreamingLLM's numbers.
     */
    private static void quality(List<QualityRow> rows, List<String> out) {
        List<QualityRow> bounded = rows.stream().filter(r -> BenchCharts.bounded(r.strategy())).toList();
        if (bounded.isEmpty()) {
            return;
        }
        QualityRow any = rows.get(0);
        int budget = bounded.stream().mapToInt(QualityRow::kvBudgetTokens).filter(b -> 5 * b >= any.length()).min()
                .orElse(any.length());
        StringBuilder b = new StringBuilder(f("Quality at a KV budget of %d of %d tokens (%s, %s text, decode steps "
                + "after a %d-token prompt, full cache perplexity %.2f), Δ perplexity / KL nats:", budget,
                any.length(), any.env().model(), any.text(), any.prompt(), any.perplexityFull()));
        bounded.stream().filter(r -> r.kvBudgetTokens() == budget).forEach(r -> b.append(f(" %s %+.2f / %.4f;",
                r.label(), r.deltaPerplexity(), r.klFullStrategyNats())));
        out.add(b.substring(0, b.length() - 1));
        Rows.group(bounded.stream().filter(r -> BenchCharts.readsSinks(r.strategy())).toList(), QualityRow::strategy)
                .forEach((strategy, rs) -> {
                    StringBuilder s = new StringBuilder(f("Perplexity, %s sinks 0 / 4:", strategy));
                    Rows.group(rs, r -> String.valueOf(r.kvBudgetTokens())).forEach((w, ws) -> s.append(
                            f(" %s %s / %s;", w, sinks(ws, 0), sinks(ws, 4))));
                    out.add(s.substring(0, s.length() - 1) + " (StreamingLLM, Llama-2-13B on PG19, 1024-token cache: "
                            + "window alone 5158, with 4 sinks 5.40)");
                });
    }

    private static String sinks(List<QualityRow> rs, int sinks) {
        return rs.stream().filter(r -> r.sinks() == sinks).findFirst().map(r -> f("%.2f", r.perplexity())).orElse("-");
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
