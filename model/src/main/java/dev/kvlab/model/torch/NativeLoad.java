package dev.kvlab.model.torch;

import dev.kvlab.model.natives.GpuNatives;
import dev.kvlab.model.natives.NativesCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * Picks the PyTorch natives and loads them, once per JVM. The CPU natives are always on the class path; the GPU
 * build ({@code -Pgpu}) adds the CUDA ones. Those are loaded only when the device may be CUDA and
 * {@link GpuNatives#check} finds every library they need: a failed load of them crashes the JVM, so the check comes
 * first. {@code --device cuda} without those libraries is an error naming each one; {@code --device auto} falls
 * back to the CPU natives with one warning line.
 *
 * <p>Pre-extracts the natives before the first load: loading from an empty cache crashed the JVM (SIGSEGV in
 * pthread_mutex_lock) in every measured attempt; extracting first avoids it.
 */
final class NativeLoad {
    private static final String PLATFORM_EXTENSION = "org.bytedeco.javacpp.platform.extension";

    private NativeLoad() {
    }

    /** Loads the natives {@code device} calls for; the caller makes sure this runs once. */
    static LoadedNatives load(DeviceKind device) {
        String platform = Loader.getPlatform();
        String note = "";
        boolean gpu = false;
        if (device != DeviceKind.CPU && GpuNatives.onClassPath()) {
            NativesCheck check = checkGpu();
            if (check.loadable()) {
                gpu = true;
            } else if (device == DeviceKind.CUDA) {
                throw new MissingLibrariesException("--device cuda: the CUDA natives need libraries this machine "
                        + "does not have: " + check.describeMissing() + " (searched LD_LIBRARY_PATH, the ldconfig "
                        + "cache, /usr/local/cuda*, the JavaCPP jars; README, section GPU, lists what to install)");
            } else {
                note = "missing " + check.describeMissing();
                System.err.println("kvlab: warning: running on the CPU natives: the CUDA natives need libraries "
                        + "this machine does not have: " + check.describeMissing());
            }
        }
        // JavaCPP reads the extension once, at its first load: set it before anything loads. Unset is not "none":
        // JavaCPP then tries the presets' own extensions too and, with both jars on the class path, loads both
        // libtorch_cpu.so builds, which aborts the JVM (c10 "multiple backend fallbacks"). Empty means CPU only.
        System.setProperty(PLATFORM_EXTENSION, gpu ? GpuNatives.EXTENSION : "");
        List<String> dirs = gpu ? List.of("javacpp/" + platform, "openblas/" + platform, "pytorch/" + platform
                + GpuNatives.EXTENSION, "cuda/" + platform) : List.of("javacpp/" + platform, "openblas/" + platform,
                "pytorch/" + platform);
        try {
            for (String d : dirs) {
                Loader.cacheResources("/org/bytedeco/" + d + "/");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract native libraries into the JavaCPP cache", e);
        }
        Loader.load(torch.class);
        return new LoadedNatives(gpu ? LoadedNatives.GPU : LoadedNatives.CPU, loadedPath("torch_cpu"), note);
    }

    private static NativesCheck checkGpu() {
        try {
            return GpuNatives.check();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the CUDA natives: " + e.getMessage(), e);
        }
    }

    /** The file JavaCPP loaded for library {@code name} (e.g. {@code torch_cpu}), or "". */
    private static String loadedPath(String name) {
        for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
            if (e.getValue() != null && e.getValue().contains("lib" + name + ".so")) {
                return e.getValue();
            }
        }
        return "";
    }
}
