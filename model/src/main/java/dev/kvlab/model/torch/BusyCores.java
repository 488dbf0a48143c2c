package dev.kvlab.model.torch;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many cores other processes keep busy right now: the machine's CPU time ({@code /proc/stat}) minus this
 * process's own ({@code /proc/self/stat}) over a short window, in cores. It replaced the 1-minute load average,
 * which lags: right after one benchmark ends the next one still saw a load of 1-2 on an idle 2-core machine and
 * took one thread (the default then ran 1.2-1.5x slower than it should, docs/COMPARISON.md, "Threads").
 * Where {@code /proc} cannot be read (not Linux), the load average stands in.
 */
final class BusyCores {
    static final long WINDOW_MILLIS = 200;

    private BusyCores() {
    }

    /** Cores busy with other processes, sampled over {@link #WINDOW_MILLIS}; the load average where /proc is absent. */
    static double now() {
        try {
            Sample a = Sample.read();
            Thread.sleep(WINDOW_MILLIS);
            return a.othersBusy(Sample.read(), Runtime.getRuntime().availableProcessors());
        } catch (IOException | RuntimeException e) {
            return Math.max(0, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /**
     * One reading, in clock ticks.
     *
     * @param total every CPU's time in every state; {@code idle} its idle and iowait part; {@code self} this
     *              process's user + system time (all its threads)
     */
    record Sample(long total, long idle, long self) {
        static Sample read() throws IOException {
            return parse(Files.readString(Path.of("/proc/stat")), Files.readString(Path.of("/proc/self/stat")));
        }

        /** From the text of /proc/stat (its first line, "cpu ...") and of /proc/self/stat. */
        static Sample parse(String procStat, String selfStat) {
            String[] cpu = procStat.substring(0, procStat.indexOf('\n')).trim().split("\\s+");
            if (!cpu[0].equals("cpu") || cpu.length < 6) {
                throw new IllegalArgumentException("not a /proc/stat cpu line: " + cpu[0]);
            }
            long total = 0;
            for (int i = 1; i < Math.min(cpu.length, 9); i++) {   // user nice system idle iowait irq softirq steal
                total += Long.parseLong(cpu[i]);
            }
            long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
            // fields after the command name "(...)", which may hold spaces: state is field 3, utime 14, stime 15
            String[] f = selfStat.substring(selfStat.lastIndexOf(')') + 2).trim().split("\\s+");
            long self = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return new Sample(total, idle, self);
        }

        /** Cores other processes used between this reading and {@code later}, at least 0. */
        double othersBusy(Sample later, int cores) {
            long dt = later.total - total;
            if (dt <= 0) {
                return 0;
            }
            double busy = (double) (dt - (later.idle - idle)) / dt * cores;
            double mine = (double) (later.self - self) / dt * cores;
            return Math.max(0, busy - mine);
        }
    }
}
