package dev.kvlab.server;

import java.util.Locale;

/**
 * A Prometheus histogram in seconds: cumulative bucket counts, sum and count. Thread-safe (synchronized: one writer,
 * the engine thread, and rare readers). Invariant: counts[i] counts observations <= bounds[i]; the last bucket is +Inf.
 */
final class Histogram {
    private final String name;
    private final String help;
    /** Upper bounds, ascending; shape [buckets]. */
    private final double[] bounds;
    /** Observations per bucket (not cumulative); shape [buckets + 1], the last one for +Inf. */
    private final long[] counts;
    private double sum;
    private long count;

    Histogram(String name, String help, double... bounds) {
        this.name = name;
        this.help = help;
        this.bounds = bounds.clone();
        this.counts = new long[bounds.length + 1];
    }

    synchronized void observe(double seconds) {
        if (Double.isNaN(seconds)) {
            return;
        }
        int i = 0;
        while (i < bounds.length && seconds > bounds[i]) {
            i++;
        }
        counts[i]++;
        sum += seconds;
        count++;
    }

    synchronized long count() {
        return count;
    }

    /** The histogram in Prometheus text exposition format. */
    synchronized void write(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i];
            out.append(name).append("_bucket{le=\"").append(format(bounds[i])).append("\"} ").append(cumulative)
                    .append('\n');
        }
        cumulative += counts[bounds.length];
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        out.append(name).append("_sum ").append(format(sum)).append('\n');
        out.append(name).append("_count ").append(count).append('\n');
    }

    static String format(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
