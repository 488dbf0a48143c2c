package dev.kvlab.bench;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The shutdown hook of a bench run: on SIGINT or SIGTERM before the run ends, writes the summary, tables and charts
 * of what finished (the rows are already on disk, appended as each run completed) and says how to continue. Disarmed
 * when the run ends normally. It writes under the {@link RunLog}'s lock, so no append is cut in half; the measuring
 * thread then waits until the JVM halts.
 */
final class Interrupted extends Thread {
    private final Supplier<Results> finished;
    private final RunLog lock;
    private final Path dir;
    private boolean armed = true;
    private boolean fired;

    /**
     * Loads the font and imaging code that chart drawing needs now: it registers shutdown hooks of its own when
     * first used, which is refused once the JVM is shutting down (the charts of an interrupted run would be lost).
     */
    static void prepareCharts() {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(8, 8,
                java.awt.image.BufferedImage.TYPE_INT_ARGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.drawString("0", 0, 7);
        g.dispose();
        try {
            javax.imageio.ImageIO.write(img, "png", java.io.OutputStream.nullOutputStream());
        } catch (java.io.IOException e) {
            // only warming up
        }
    }

    Interrupted(Supplier<Results> finished, RunLog lock, Path dir) {
        super("kvlab-bench-interrupted");
        this.finished = finished;
        this.lock = lock;
        this.dir = dir;
    }

    /** The run ended normally: the hook does nothing. False when the JVM is already shutting down (it fired). */
    boolean disarm() {
        synchronized (this) {
            if (fired) {
                return false;
            }
            armed = false;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(this);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs, finds itself disarmed, and returns
        }
        return true;
    }

    @Override
    public void run() {
        synchronized (this) {
            if (!armed) {
                return;
            }
            fired = true;
        }
        synchronized (lock) {
            try {
                Results r = finished.get();
                lock.close();
                BenchOutput.write(r, dir);
                System.err.println("kvlab: interrupted: " + r.runs().size() + " finished run"
                        + (r.runs().size() == 1 ? "" : "s") + " written to " + dir + " (summary.md, charts); run the "
                        + "same command with --resume --out " + dir + " to continue");
            } catch (RuntimeException | Error e) {
                System.err.println("kvlab: interrupted: could not write the summary under " + dir + ": "
                        + e.getMessage() + " (runs.jsonl holds every finished run)");
            }
        }
    }
}
