package dev.kvlab.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr for long runs: redrawn in place on a terminal, and on other outputs (files,
 * CI logs) printed only when a run ends, so logs stay short. {@link #quiet()} prints nothing.
 */
public class Progress {
    private static final int WIDTH = 28;
    private final PrintStream out;
    private final boolean live;
    private int runs;
    private int run;
    private String label = "";
    private long runStart;
    private long lastDraw;

    Progress(PrintStream out, boolean live) {
        this.out = out;
        this.live = live;
    }

    /** Draws on stderr; in place when it is a terminal. */
    public static Progress console() {
        return new Progress(System.err, System.console() != null);
    }

    /** Prints nothing. */
    public static Progress quiet() {
        return new Progress(null, false);
    }

    /** Announces how many runs follow. */
    public void plan(int totalRuns) {
        runs = totalRuns;
        run = 0;
    }

    public void startRun(String what) {
        run++;
        label = what;
        runStart = System.nanoTime();
        update(0, 1);
    }

    /** Progress within the current run: {@code done} of {@code total} units (requests, positions, ...). */
    public void update(int done, int total) {
        long now = System.nanoTime();
        if (out == null || !live || (now - lastDraw < 100_000_000L && done < total)) {
            return;
        }
        lastDraw = now;
        int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
        out.print(String.format(Locale.ROOT, "\r[%d/%d] %-34.34s |%s%s| %d/%d %5.1fs\u001b[K", run, runs, label,
                "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, (now - runStart) / 1e9));
        out.flush();
    }

    /** Ends the current run with a one-line result. */
    public void endRun(String result) {
        if (out == null) {
            return;
        }
        out.print(String.format(Locale.ROOT, "%s[%d/%d] %s: %s (%.1f s)%n", live ? "\r\u001b[K" : "", run, runs,
                label, result, (System.nanoTime() - runStart) / 1e9));
        out.flush();
    }

    /** A free-form line (between runs). */
    public void note(String line) {
        if (out != null) {
            out.println((live ? "\r\u001b[K" : "") + line);
        }
    }
}
