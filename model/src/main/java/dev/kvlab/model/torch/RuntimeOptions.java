package dev.kvlab.model.torch;

/**
 * How the native runtime runs.
 *
 * @param device  auto, cpu or cuda
 * @param threads torch and OpenBLAS threads, 0 to {@link #maxThreads()}; 0 means {@link TorchRuntime#defaultThreads()} (one per idle core)
 * @param dtype   storage and compute dtype of weights and KV
 */
public record RuntimeOptions(DeviceKind device, int threads, ComputeDType dtype) {
    public static final RuntimeOptions DEFAULTS = new RuntimeOptions(DeviceKind.AUTO, 0, ComputeDType.FLOAT32);

    public RuntimeOptions {
        if (threads < 0 || threads > maxThreads()) {
            throw new IllegalArgumentException("--threads must be in [0, " + maxThreads() + "] (0 = one per idle core, at "
                    + "most 4 x the " + Runtime.getRuntime().availableProcessors() + " cores), got " + threads);
        }
    }

    /**
     * Most threads accepted: 4 x the cores. More only oversubscribes, and each torch/OpenBLAS thread is a native
     * thread with its own stack: 10,000 of them crashed the JVM (issue 9 item 1).
     */
    public static int maxThreads() {
        return 4 * Runtime.getRuntime().availableProcessors();
    }

    public RuntimeOptions withDevice(DeviceKind d) {
        return new RuntimeOptions(d, threads, dtype);
    }

    public RuntimeOptions withThreads(int t) {
        return new RuntimeOptions(device, t, dtype);
    }

    public RuntimeOptions withDtype(ComputeDType d) {
        return new RuntimeOptions(device, threads, d);
    }
}
