package dev.kvlab.bench;

import dev.kvlab.model.natives.HostInfo;
import dev.kvlab.model.torch.RuntimeEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Where and how a result was measured; every result row carries these fields (as columns: {@link FlatRecord}).
 *
 * @param machine  CPU model ({@link HostInfo}, as are cores, os and jvm)
 * @param cores    processors the JVM sees
 * @param os       OS name, version, arch
 * @param jvm      JVM name and version
 * @param threads  torch / OpenBLAS threads
 * @param dtype    compute dtype
 * @param device   cpu or cuda
 * @param model    the --model value
 * @param seed     the workload seed
 * @param loadAvg  the machine's 1-minute load average when the run started (other work on the machine skews times)
 * @param started  when the benchmark started (UTC, ISO-8601)
 * @param git      the source commit ({@code git describe --always --dirty}), or "unknown"
 * @param target   where the requests ran: {@code in-process} (an engine in this JVM) or the server's URL
 *                 ({@code bench --server}); device is then "server" and threads, dtype are this client's
 * @param runtime  what {@code kvlab env} prints; {@link RuntimeColumns#NONE} until the natives are loaded
 */
public record BenchEnv(String machine, int cores, String os, String jvm, int threads, String dtype, String device,
                       String model, long seed,
                       @com.google.gson.annotations.SerializedName("load_avg_1m") double loadAvg, String started, String git,
                       String target, RuntimeColumns runtime) {
    public static final String IN_PROCESS = "in-process";

    /** The environment now, for a run of {@code model} with these settings. */
    public static BenchEnv capture(String model, int threads, String dtype, String device, long seed) {
        HostInfo host = HostInfo.capture();
        return new BenchEnv(host.cpuModel(), host.cores(), host.os(), host.jvm(), threads, dtype,
                device, model, seed, loadAverage(), Instant.now().toString(), gitDescribe(), IN_PROCESS,
                RuntimeColumns.NONE);
    }

    /** This environment with the load average measured again (call at the start of each run). */
    public BenchEnv now() {
        return new BenchEnv(machine, cores, os, jvm, threads, dtype, device, model, seed, loadAverage(), started, git, target, runtime);
    }

    public BenchEnv withDevice(String d) {
        return new BenchEnv(machine, cores, os, jvm, threads, dtype, d, model, seed, loadAvg, started, git, target, runtime);
    }

    public BenchEnv withModel(String m) {
        return new BenchEnv(machine, cores, os, jvm, threads, dtype, device, m, seed, loadAvg, started, git, target, runtime);
    }

    /** This environment with the runtime captured now (call once the natives are loaded: after a model load). */
    public BenchEnv withRuntime() {
        return new BenchEnv(machine, cores, os, jvm, threads, dtype, device, model, seed, loadAvg, started, git, target,
                RuntimeColumns.of(RuntimeEnv.capture()));
    }

    public BenchEnv withTarget(String t) {
        return new BenchEnv(machine, cores, os, jvm, threads, dtype, device, model, seed, loadAvg, started, git, t, runtime);
    }

    static String gitDescribe() {
        try {
            Process p = new ProcessBuilder("git", "describe", "--always", "--dirty").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 && !out.isEmpty() ? out : "unknown";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
