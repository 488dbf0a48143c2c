package dev.kvlab.runtime;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sizes the KV pool before anything is allocated: in {@code long}, so no flag combination wraps an {@code int}
 * (issue 9 item 7: {@code --max-seqs 4194305} once wrapped the default budget to 1,024 tokens), and against the
 * memory the machine has, so an oversized pool is one clear line, not a native allocation failure or the kernel's
 * OOM killer. Bad sizes are {@link IllegalArgumentException}s (bad input).
 */
public final class KvBudget {
    private KvBudget() {
    }

    /** Pool slots: the given budget, or max-seqs x n_positions when it is 0. */
    public static int tokens(EngineConfig config, int nPositions) {
        if (config.kvBudgetTokens() > 0) {
            return config.kvBudgetTokens();
        }
        long t = (long) config.maxSeqs() * nPositions;
        if (t > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the default KV budget, --max-seqs " + config.maxSeqs() + " x "
                    + nPositions + " positions = " + t + " tokens, is more than a pool can index (" + Integer.MAX_VALUE
                    + "); give --kv-budget-tokens or a smaller --max-seqs");
        }
        return (int) t;
    }

    /**
     * Refuses a host pool of {@code bytes} that exceeds the memory available now ({@code MemAvailable} on Linux,
     * else free physical memory).
     */
    public static void checkHostMemory(long bytes, int tokens, long bytesPerToken) {
        long available = availableBytes();
        if (bytes > available) {
            throw new IllegalArgumentException(String.format("the KV pool needs %.1f GiB (%d tokens x %d bytes) but "
                    + "the machine has %.1f GiB of memory available; lower --kv-budget-tokens, --kv-budget-bytes or "
                    + "--max-seqs", bytes / GIB, tokens, bytesPerToken, available / GIB));
        }
    }

    private static final double GIB = 1024.0 * 1024 * 1024;

    static long availableBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getFreeMemorySize();
    }
}
