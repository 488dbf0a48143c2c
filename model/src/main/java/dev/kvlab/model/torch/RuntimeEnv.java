package dev.kvlab.model.torch;

import dev.kvlab.model.natives.HostInfo;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.Context;
import org.bytedeco.pytorch.global.torch;

/**
 * What this JVM runs on, for {@code kvlab env} and every benchmark row (compare {@code python -m
 * torch.utils.collect_env}): the host, torch and JavaCPP versions, which natives were loaded, BLAS, thread settings
 * and the environment variables that change them, CUDA, the GPUs and cuDNN. Captured after {@link TorchRuntime#init}.
 *
 * @param torchThreads   torch intra-op threads; {@code interopThreads} its inter-op pool
 * @param blasThreads    OpenBLAS threads (its own pool)
 * @param threadEnv      the thread-related environment variables that are set, as NAME=value
 * @param blas           the OpenBLAS version and the BLAS torch was built against
 * @param cudaRuntime    the CUDA runtime torch was built with (e.g. 13010), 0 when the natives have no CUDA
 * @param cudnn          cuDNN version (e.g. 91900), 0 when unavailable
 * @param gpus           every visible GPU, with its memory
 */
public record RuntimeEnv(HostInfo host, String torchVersion, String javacppVersion, LoadedNatives natives,
                         String blas, int torchThreads, long interopThreads, int blasThreads, List<String> threadEnv,
                         boolean cudaAvailable, long cudaRuntime, long cudnn, List<Gpu> gpus) {
    /** The variables that set or steer thread pools and BLAS kernels. */
    public static final List<String> THREAD_VARIABLES = List.of("OMP_NUM_THREADS", "OMP_WAIT_POLICY",
            "OMP_PROC_BIND", "OMP_PLACES", "GOMP_SPINCOUNT", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
            "MKL_NUM_THREADS", "KMP_AFFINITY", "KMP_BLOCKTIME", "CUDA_VISIBLE_DEVICES");

    /** One GPU: its name and total memory. */
    public record Gpu(int index, String name, long memoryBytes) {
    }

    public RuntimeEnv {
        threadEnv = List.copyOf(threadEnv);
        gpus = List.copyOf(gpus);
    }

    /** The environment now; loads the natives (CPU, default threads) if nothing has yet. */
    public static RuntimeEnv capture() {
        LoadedNatives natives = TorchRuntime.loadedNatives().orElseGet(() -> {
            TorchRuntime.initCpu();
            return TorchRuntime.loadedNatives().orElseThrow();
        });
        String pytorch = version("pytorch");
        boolean cuda = torch.cuda_is_available();
        return new RuntimeEnv(HostInfo.capture(), pytorch.replaceAll("-.*", ""), readJavacppVersion(), natives,
                readBlas(), torch.get_num_threads(), torch.get_num_interop_threads(),
                openblas_nolapack.blas_get_num_threads(), readThreadEnv(), cuda,
                Context.hasCUDART() ? Context.versionCUDART() : 0, cuda && Context.hasCuDNN() ? Context.versionCuDNN() : 0,
                cuda ? gpus(torch.cuda_device_count()) : List.of());
    }

    private static String version(String artifact) {
        try {
            String v = Loader.getVersion("org.bytedeco", artifact);
            return v == null ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String readJavacppVersion() {
        try {
            String v = Loader.getVersion();
            return v == null ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** OpenBLAS's version (the preset exposes no runtime config call) and the BLAS torch was built against. */
    private static String readBlas() {
        String torchBlas = "unknown";
        try (BytePointer config = torch.show_config()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("BLAS_INFO=([^,\\s]+)").matcher(config.getString());
            if (m.find()) {
                torchBlas = m.group(1);
            }
        }
        return openblas_nolapack.OPENBLAS_VERSION.trim() + "; torch BLAS_INFO=" + torchBlas;
    }

    private static List<String> readThreadEnv() {
        List<String> out = new ArrayList<>();
        for (String v : THREAD_VARIABLES) {
            String value = System.getenv(v);
            if (value != null) {
                out.add(v + "=" + value);
            }
        }
        return out;
    }

    /**
     * Names and memory through the CUDA preset's cudart (on the class path only in the GPU build, so reached
     * reflectively); a GPU it cannot describe is listed as "unknown".
     */
    private static List<Gpu> gpus(int count) {
        List<Gpu> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(describe(i));
        }
        return out;
    }

    private static Gpu describe(int index) {
        try {
            Class<?> cudart = Class.forName("org.bytedeco.cuda.global.cudart");
            Class<?> propClass = Class.forName("org.bytedeco.cuda.cudart.cudaDeviceProp");
            Object prop = propClass.getConstructor().newInstance();
            Method get = cudart.getMethod("cudaGetDeviceProperties", propClass, int.class);
            int rc = (Integer) get.invoke(null, prop, index);
            if (rc != 0) {
                return new Gpu(index, "unknown (cudaGetDeviceProperties error " + rc + ")", 0);
            }
            BytePointer name = (BytePointer) propClass.getMethod("name").invoke(prop);
            long memory = (Long) propClass.getMethod("totalGlobalMem").invoke(prop);
            return new Gpu(index, name.getString().trim(), memory);
        } catch (ReflectiveOperationException | LinkageError e) {
            return new Gpu(index, "unknown (" + e.getClass().getSimpleName() + ")", 0);
        }
    }
}
