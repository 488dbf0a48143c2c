package dev.kvlab.model.torch;

/**
 * Which PyTorch natives this JVM loaded.
 *
 * @param flavour   {@code cpu} ({@code linux-x86_64}) or {@code gpu} ({@code linux-x86_64-gpu}, CUDA)
 * @param path      the loaded {@code libtorch_cpu.so}, or "" when JavaCPP does not report it
 * @param note      why the CPU natives run on a GPU build (the missing libraries), or ""
 */
public record LoadedNatives(String flavour, String path, String note) {
    public static final String CPU = "cpu";
    public static final String GPU = "gpu";
}
