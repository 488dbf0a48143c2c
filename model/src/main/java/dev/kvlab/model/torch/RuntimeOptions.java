package dev.kvlab.model.torch;

/**
 * How the native runtime runs.
 *
 * @param device  auto, cpu or cuda
 * @param threads torch and OpenBLAS threads; 0 means {@link TorchRuntime#defaultThreads()}
 * @param dtype   storage and compute dtype of weights and KV
 */
public record RuntimeOptions(DeviceKind device, int threads, ComputeDType dtype) {
    public static final RuntimeOptions DEFAULTS = new RuntimeOptions(DeviceKind.AUTO, 0, ComputeDType.FLOAT32);

    public RuntimeOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
        }
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
