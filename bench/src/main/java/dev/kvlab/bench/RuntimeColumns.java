package dev.kvlab.bench;

import dev.kvlab.model.torch.RuntimeEnv;
import java.util.stream.Collectors;

/**
 * {@link RuntimeEnv} (what {@code kvlab env} prints) as flat result columns: lists are joined with spaces, GPUs
 * as {@code name bytes} separated by {@code ;}. Every result row carries them through {@link BenchEnv}.
 */
public record RuntimeColumns(String cpuFlags, String torchVersion, String javacppVersion, String natives,
                             String nativesPath, String nativesNote, String blas, int torchThreads,
                             long interopThreads, int blasThreads, String threadEnv, boolean cudaAvailable,
                             long cudaRuntime, long cudnn, String gpus) {
    /** Before the natives are loaded. */
    public static final RuntimeColumns NONE = new RuntimeColumns("", "", "", "", "", "", "", 0, 0, 0, "", false, 0,
            0, "");

    public static RuntimeColumns of(RuntimeEnv e) {
        return new RuntimeColumns(String.join(" ", e.host().cpuFlags()), e.torchVersion(), e.javacppVersion(),
                e.natives().flavour(), e.natives().path(), e.natives().note(), e.blas(), e.torchThreads(),
                e.interopThreads(), e.blasThreads(), String.join(" ", e.threadEnv()), e.cudaAvailable(),
                e.cudaRuntime(), e.cudnn(),
                e.gpus().stream().map(g -> g.name() + " " + g.memoryBytes()).collect(Collectors.joining("; ")));
    }
}
