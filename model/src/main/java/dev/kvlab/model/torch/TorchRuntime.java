package dev.kvlab.model.torch;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

/**
 * The one place that initialises the native runtime. Call {@link #init(RuntimeOptions)} before touching any
 * {@code org.bytedeco.pytorch} class.
 *
 * <ul>
 *   <li>Loads the CPU or the CUDA natives ({@link NativeLoad}: checked first, pre-extracted).</li>
 *   <li>Sets torch and OpenBLAS thread counts explicitly: OpenBLAS keeps its own pool and oversubscribes.</li>
 *   <li>Warns about environment settings that slow GEMM (a stray {@code OPENBLAS_CORETYPE}); the {@code kvlab}
 *       launcher and the test runner unset it, since OpenBLAS reads it when its library loads.</li>
 *   <li>Warns once when more than one thread is asked for in a JVM started without {@code OMP_WAIT_POLICY}:
 *       libgomp (torch's OpenMP, which reads the variable only when it loads) then spin-waits on the cores
 *       OpenBLAS's own threads need, and a 2-thread decode step runs about 5x slower. The launcher and the test
 *       runner export {@code OMP_WAIT_POLICY=PASSIVE}; a library user's own JVM needs it too.</li>
 *   <li>Resolves the device: {@code auto} is CUDA when torch sees a GPU, CPU otherwise.</li>
 * </ul>
 * Invariant: natives are loaded at most once per JVM, and the spin-wait warning is printed at most once;
 * thread counts may be changed again later.
 */
public final class TorchRuntime {
    private static LoadedNatives natives;   // null until loaded
    private static boolean warnedSpinWait;
    private static int threadsInUse;        // what the last init resolved (0: not yet)

    private TorchRuntime() {
    }

    /** Loads natives (once), applies thread settings, and returns the device to run on. */
    public static synchronized Device init(RuntimeOptions options) {
        loadNatives(options.device());
        setThreads(options.threads());
        return resolveDevice(options.device());
    }

    /** Loads natives with default threads; for code that only needs torch on the CPU (tests, tools). */
    public static Device initCpu() {
        return init(RuntimeOptions.DEFAULTS.withDevice(DeviceKind.CPU));
    }

    private static void loadNatives(DeviceKind device) {
        if (natives != null) {
            return;
        }
        warnAboutSlowEnvironment();
        natives = NativeLoad.load(device);
    }

    /** The natives this JVM loaded, or empty before {@link #init}. */
    public static synchronized java.util.Optional<LoadedNatives> loadedNatives() {
        return java.util.Optional.ofNullable(natives);
    }

    private static void warnAboutSlowEnvironment() {
        String coretype = System.getenv("OPENBLAS_CORETYPE");
        if (coretype != null && !coretype.isBlank()) {
            System.err.println("kvlab: warning: OPENBLAS_CORETYPE=" + coretype + " forces an OpenBLAS kernel; on "
                    + "CPUs newer than it GEMM runs up to 1.7x slower. Unset it (./kvlab does).");
        }
    }

    private static void setThreads(int threads) {
        int n = threads > 0 ? threads : defaultThreads();
        threadsInUse = n;
        String warning = spinWaitWarning(System.getenv("OMP_WAIT_POLICY"), n);
        if (warning != null && !warnedSpinWait) {
            warnedSpinWait = true;
            System.err.println(warning);
        }
        openblas_nolapack.blas_set_num_threads(n);
        torch.set_num_threads(n);
    }

    /**
     * Applies the torch thread count to the calling thread. With OpenMP, {@code omp_set_num_threads} (behind
     * {@code torch.set_num_threads}) sets the count for the calling thread's data environment, so a thread other than
     * the one that called {@link #init} (a server's engine thread) calls this before running the model.
     *
     * @param threads 0 = the count {@link #init} resolved (the default depends on the load, so it is not read again)
     */
    public static synchronized void useThreadsOnThisThread(int threads) {
        torch.set_num_threads(threads > 0 ? threads : threadsInUse > 0 ? threadsInUse : defaultThreads());
    }

    /**
     * The warning for {@code threads} torch/OpenBLAS threads under this {@code OMP_WAIT_POLICY} value (null: unset),
     * or null when there is nothing to warn about (one thread, or any policy the user chose).
     */
    static String spinWaitWarning(String ompWaitPolicy, int threads) {
        if (threads <= 1 || (ompWaitPolicy != null && !ompWaitPolicy.isBlank())) {
            return null;
        }
        return "kvlab: warning: " + threads + " threads without OMP_WAIT_POLICY: torch's OpenMP threads spin-wait on "
                + "the cores OpenBLAS needs and decode runs ~5x slower. Export OMP_WAIT_POLICY=PASSIVE before "
                + "starting the JVM (./kvlab does), or use --threads 1.";
    }

    /**
     * One thread per idle core, capped at 8 (decode is bandwidth-bound): the cores minus those other processes keep
     * busy right now ({@link BusyCores}, rounded), at least 1. Measured on a 2-core EPYC (docs/COMPARISON.md,
     * "Threads"): on an idle machine 2 threads decode faster than 1 (batch 1: 22.5 vs 25-27 ms a token); with the
     * other core busy 1 thread is faster (27.8 vs 30-33 ms). It samples for 200 ms: resolve it once per run.
     */
    public static int defaultThreads() {
        return defaultThreads(Runtime.getRuntime().availableProcessors(), BusyCores.now());
    }

    /** {@link #defaultThreads()} for {@code cores} cores of which {@code busy} are busy with other processes. */
    static int defaultThreads(int cores, double busy) {
        int taken = busy > 0 ? (int) Math.round(busy) : 0;
        return Math.max(1, Math.min(8, cores - taken));
    }

    private static Device resolveDevice(DeviceKind kind) {
        boolean cuda = torch.cuda_is_available();
        return switch (kind) {
            case CPU -> new Device("cpu");
            case CUDA -> {
                if (!cuda) {
                    throw new IllegalArgumentException("--device cuda: no CUDA device is available (natives: "
                            + natives.flavour() + "; run KVLAB_GPU=1 ./kvlab on a machine with a GPU, see README)");
                }
                yield new Device("cuda:0");
            }
            case AUTO -> new Device(cuda ? "cuda:0" : "cpu");
        };
    }
}
