package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
    static String[] cells(Map<String, Object> r) {
        return new String[] {Rows.str(r, "label"), f1(Rows.num(r, "request_throughput"), 2),
            throughput(r), f1(Rows.num(r, "median_ttft_ms"), 0),
            f1(Rows.num(r, "median_tpot_ms"), 1), f1(Rows.num(r, "median_e2el_ms"), 0),
            f1(Rows.num(r, "kv_peak_reserved_bytes") / BenchCharts.MIB, 1), f1(Rows.num(r, "kv_waste_pct"), 1),
            Rows.str(r, "max_concurrent_seqs"), Rows.str(r, "preemptions"),
            f1(100 * Rows.num(r, "prefix_cache_hit_rate"), 1)};
    }

    /** Output throughput; with repeats, the range over them too: {@code 59.0 (51.2-62.5)}. */
    static String throughput(Map<String, Object> r) {
        String median = f1(Rows.num(r, "output_throughput"), 1);
        if (Rows.num(r, "repeats") > 1) {
            return median + " (" + f1(Rows.num(r, "output_throughput_min"), 1) + "-"
                    + f1(Rows.num(r, "output_throughput_max"), 1) + ")";
        }
        return median;
    }

    /** Fixed-width tables, one per experiment. */
    public static String terminal(List<Map<String, Object>> runs) {
        StringBuilder b = new StringBuilder();
        Rows.group(runs, r -> Rows.str(r, "experiment")).forEach((exp, rs) -> {
            List<String[]> lines = new ArrayList<>();
            lines.add(HEADER);
            rs.forEach(r -> lines.add(cells(r)));
            int[] w = new int[HEADER.length];
            lines.forEach(l -> {
                for (int i = 0; i < l.length; i++) {
                    w[i] = Math.max(w[i], l[i].length());
                }
            });
            b.append(exp).append(" (").append(Rows.str(rs.get(0), "workload")).append(")\n");
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
        Rows.group(r.runs(), x -> Rows.str(x, "experiment")).forEach((exp, rs) -> {
            b.append("## ").append(exp).append(" (").append(Rows.str(rs.get(0), "workload")).append(", ")
                    .append(Rows.str(rs.get(0), "model")).append(")\n\n");
            b.append(mdTable(rs.stream().map(SummaryReport::cells).toList(), HEADER)).append('\n');
        });
        longGen(r.longGen(), b);
        ring(r.ringQuality(), b);
        if (!charts.isEmpty()) {
            b.append("## Charts\n\n");
            charts.forEach(c -> b.append("![").append(c).append("](charts/").append(c).append(".png)\n"));
        }
        return b.toString();
    }

    private static void longGen(List<Map<String, Object>> rows, StringBuilder b) {
        if (rows.isEmpty()) {
            return;
        }
        b.append("## long-gen (").append(Rows.str(rows.get(0), "model")).append(")\n\n");
        List<String[]> lines = new ArrayList<>();
        rows.forEach(x -> lines.add(new String[] {Rows.str(x, "strategy"), Rows.str(x, "length"),
            f1(Rows.num(x, "step_ms"), 1), f1(Rows.num(x, "estimated_total_s"), 1)}));
        b.append(mdTable(lines, "strategy", "length", "step ms", "est. total s to " + Rows.str(rows.get(0),
                "total_tokens"))).append('\n');
    }

    private static void ring(List<Map<String, Object>> rows, StringBuilder b) {
        if (rows.isEmpty()) {
            return;
        }
        b.append("## ring-quality (").append(Rows.str(rows.get(0), "model")).append(")\n\n");
        List<String[]> lines = new ArrayList<>();
        rows.forEach(x -> lines.add(new String[] {Rows.str(x, "window"), Rows.str(x, "scored_positions"),
            f1(100 * Rows.num(x, "greedy_agreement"), 1), f1(Rows.num(x, "kl_full_ring_nats"), 4),
            f1(Rows.num(x, "nll_gap_nats"), 4)}));
        b.append(mdTable(lines, "window", "positions scored", "greedy agreement %", "KL(full ‖ ring) nats",
                "NLL gap nats")).append('\n');
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
