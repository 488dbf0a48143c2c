package dev.kvlab.model.natives;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The machine and JVM, read without any native library: JVM, OS, CPU model, the CPU flags that decide which kernels
 * run (AVX2, AVX-512 and its BF16/VNNI parts, AMX), and the processors the JVM sees.
 *
 * @param cpuFlags the flags of {@link #FLAGS_OF_INTEREST} this CPU has, in that order
 */
public record HostInfo(String jvm, String os, String cpuModel, List<String> cpuFlags, int cores) {
    /** The /proc/cpuinfo flags that matter for GEMM and attention kernels. */
    public static final List<String> FLAGS_OF_INTEREST = List.of("avx2", "fma", "f16c", "avx512f", "avx512bw",
            "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8");

    public HostInfo {
        cpuFlags = List.copyOf(cpuFlags);
    }

    public static HostInfo capture() {
        List<String> cpuinfo = cpuinfo();
        String model = field(cpuinfo, "model name");
        Set<String> flags = Set.of(field(cpuinfo, "flags").split("\\s+"));
        return new HostInfo(System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                model.isEmpty() ? System.getProperty("os.arch") : model,
                FLAGS_OF_INTEREST.stream().filter(flags::contains).toList(),
                Runtime.getRuntime().availableProcessors());
    }

    private static List<String> cpuinfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return List.of();   // not Linux
        }
    }

    /** The first value of {@code key} in /proc/cpuinfo, or "". */
    private static String field(List<String> lines, String key) {
        for (String l : lines) {
            int colon = l.indexOf(':');
            if (colon > 0 && l.substring(0, colon).trim().equals(key)) {
                return l.substring(colon + 1).trim();
            }
        }
        return "";
    }
}
