package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The human-readable summary: a fixed-width table per experiment for the terminal, and summary.md (environment,
 * command, headlines, tables, charts). Columns: req/s, output tok/s, TTFT/TPOT/E2EL medians, peak reserved KV,
 * time-averaged waste, max concurrent sequences, preemptions, prefix-cache hit rate.
 */
public final class SummaryReport {
    static final String[] HEADER = {"run", "req/s", "output tok/s (range)", "TTFT p50 ms", "TPOT p50 ms", "E2EL p50 ms",
        "KV peak MiB", "waste %", "max concurrent", "preemptions", "prefix hit %"};

    private SummaryReport() {
    }

    /** One table row of a run row. */
    static String[] cells(ResultRow r) {
        LatencyColumns l = r.latency();
        EngineColumns e = r.engine();
        return new String[] {r.label(), f1(l.requestThroughput(), 2), throughput(r), f1(l.medianTtftMs(), 0),
            f1(l.medianTpotMs(), 1), f1(l.medianE2elMs(), 0), f1(e.kvPeakReservedBytes() / BenchCharts.MIB, 1),
            f1(e.kvWastePct(), 1), String.valueOf(e.maxConcurrentSeqs()), String.valueOf(e.preemptions()),
            f1(100 * e.prefixCacheHitRate(), 1)};
    }

    /** Output throughput; with repeats, the range over them too: {@code 59.0 (51.2-62.5)}. */
    static String throughput(ResultRow r) {
        String median = f1(r.latency().outputThroughput(), 1);
        if (r.repeats() > 1) {
            return median + " (" + f1(r.outputThroughputMin(), 1) + "-" + f1(r.outputThroughputMax(), 1) + ")";
        }
        return median;
    }

    /** Fixed-width tables, one per experiment. */
    public static String terminal(List<ResultRow> runs) {
        StringBuilder b = new StringBuilder();
        Rows.group(runs, ResultRow::experiment).forEach((exp, rs) -> {
            List<String[]> lines = new ArrayList<>();
            lines.add(HEADER);
            rs.forEach(r -> lines.add(cells(r)));
            int[] w = new int[HEADER.length];
            lines.forEach(l -> {
                for (int i = 0; i < l.length; i++) {
                    w[i] = Math.max(w[i], l[i].length());
                }
            });
            b.append(exp).append(" (").append(rs.get(0).workload()).append(")\n");
            for (String[] l : lines) {
                for (int i = 0; i < l.length; i++) {
                    b.append(i == 0 ? pad(l[i], -w[i]) : "  " + pad(l[i], w[i]));
                }
                b.append('\n');
            }
            b.append('\n');
        });
        return b.toString();
    }

    /** summary.md of a run directory. */
    public static String markdown(Results r, List<String> charts, List<String> headlines) {
        StringBuilder b = new StringBuilder("# kvlab bench summary\n\n");
        b.append("Command: `").append(r.command()).append("`\n\n");
        BenchEnv e = r.env();
        b.append(Headlines.f("Machine: %s, %d cores, %s; %s; threads %d, %s, %s; started %s (load average %.2f)%n%n",
                e.machine(), e.cores(), e.os(), e.jvm(), e.threads(), e.dtype(), e.device(), e.started(), e.loadAvg()));
        if (!headlines.isEmpty()) {
            b.append("## Headlines\n\n");
            headlines.forEach(h -> b.append("- ").append(h).append('\n'));
            b.append('\n');
        }
        Rows.group(r.runs(), ResultRow::experiment).forEach((exp, rs) -> {
            b.append("## ").append(exp).append(" (").append(rs.get(0).workload()).append(", ")
                    .append(rs.get(0).env().model()).append(")\n\n");
            b.append(mdTable(rs.stream().map(SummaryReport::cells).toList(), HEADER)).append('\n');
        });
        longGen(r.longGen(), b);
        quality(r.quality(), b);
        attention(r.attention(), b);
        if (!charts.isEmpty()) {
            b.append("## Charts\n\n");
            charts.forEach(c -> b.append("![").append(c).append("](charts/").append(c).append(".png)\n"));
        }
        return b.toString();
    }

    private static void longGen(List<LongGenRow> rows, StringBuilder b) {
        if (rows.isEmpty()) {
            return;
        }
        b.append("## long-gen (").append(rows.get(0).env().model()).append(")\n\n");
        List<String[]> lines = new ArrayList<>();
        rows.forEach(x -> lines.add(new String[] {x.strategy(), String.valueOf(x.length()), f1(x.stepMs(), 1),
            f1(x.estimatedTotalS(), 1)}));
        b.append(mdTable(lines, "strategy", "length", "step ms", "est. total s to " + rows.get(0).totalTokens()))
                .append('\n');
    }

    private static void quality(List<QualityRow> rows, StringBuilder b) {
        if (rows.isEmpty()) {
            return;
        }
        QualityRow any = rows.get(0);
        b.append("## quality (").append(any.env().model()).append(", ").append(any.passages()).append(' ')
                .append(any.text()).append(" passages of ").append(any.length()).append(" tokens, teacher-forced; ")
                .append(any.scoredPositions()).append(" decode steps after ").append(any.prompt())
                .append("-token prompts scored)\n\n");
        List<String[]> lines = new ArrayList<>();
        rows.forEach(x -> lines.add(new String[] {x.label(), String.valueOf(x.kvBudgetTokens()),
            f1(100.0 * x.kvBudgetTokens() / x.length(), 0), f1(x.kvBytesHeld() / 1048576.0, 2), f1(x.perplexity(), 2),
            f1(x.deltaPerplexity(), 2), f1(x.klFullStrategyNats(), 4), f1(100 * x.top1Agreement(), 1)}));
        b.append(mdTable(lines, "strategy", "KV budget (tokens)", "% of context", "KV held MiB", "perplexity",
                "Δ vs full", "KL(full ‖ strategy) nats", "top-1 agreement %")).append('\n');
    }

    private static void attention(List<AttentionRow> rows, StringBuilder b) {
        if (rows.isEmpty()) {
            return;
        }
        b.append("## attention sinks (share of attention, mean over heads and query positions >= 2)\n\n");
        List<String[]> lines = new ArrayList<>();
        rows.forEach(x -> lines.add(new String[] {String.valueOf(x.layer()), f1(x.firstTokenShare(), 3),
            f1(x.previousTokenShare(), 3), f1(x.uniformFirstTokenShare(), 4)}));
        b.append(mdTable(lines, "layer", "first token", "previous token", "first token if uniform")).append('\n');
    }

    static String mdTable(List<String[]> rows, String... header) {
        StringBuilder b = new StringBuilder("| ").append(String.join(" | ", header)).append(" |\n|");
        b.append("---|".repeat(header.length)).append('\n');
        rows.forEach(r -> b.append("| ").append(String.join(" | ", r)).append(" |\n"));
        return b.toString();
    }

    static String f1(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private static String pad(String s, int width) {
        return String.format("%" + width + "s", s);
    }
}
