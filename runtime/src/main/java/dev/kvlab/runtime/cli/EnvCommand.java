package dev.kvlab.runtime.cli;

import com.google.gson.GsonBuilder;
import dev.kvlab.model.natives.HostInfo;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.RuntimeEnv;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.TorchRuntime;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kvlab env}: what kvlab runs on (compare {@code python -m torch.utils.collect_env}), after loading the
 * natives the way a run with the same {@code --device} would. Every {@code kvlab bench} row records the same fields.
 */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = "Print the JVM, OS, CPU, torch/JavaCPP versions, loaded natives, BLAS, threads, CUDA and GPUs.")
public final class EnvCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "auto",
            description = "Load the natives as this device would: auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "Torch and OpenBLAS threads; 0 = the default.")
    int threads;

    @Option(names = "--json", description = "One JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
        TorchRuntime.init(RuntimeOptions.DEFAULTS.withDevice(DeviceKind.parse(device)).withThreads(threads));
        RuntimeEnv env = RuntimeEnv.capture();
        System.out.println(json ? new GsonBuilder().disableHtmlEscaping().create().toJson(env) : text(env));
        return 0;
    }

    static String text(RuntimeEnv e) {
        StringBuilder b = new StringBuilder();
        line(b, "JVM", e.host().jvm());
        line(b, "OS", e.host().os());
        line(b, "CPU", e.host().cpuModel());
        List<String> absent = HostInfo.FLAGS_OF_INTEREST.stream().filter(f -> !e.host().cpuFlags().contains(f)).toList();
        line(b, "CPU flags", String.join(" ", e.host().cpuFlags()) + (absent.isEmpty() ? ""
                : " (not: " + String.join(" ", absent) + ")"));
        line(b, "cores", Integer.toString(e.host().cores()));
        line(b, "torch", e.torchVersion() + " (JavaCPP presets)");
        line(b, "JavaCPP", e.javacppVersion());
        line(b, "natives", e.natives().flavour() + (e.natives().note().isEmpty() ? "" : " (" + e.natives().note() + ")"));
        line(b, "natives path", e.natives().path());
        line(b, "BLAS", e.blas());
        line(b, "threads", String.format(Locale.ROOT, "torch %d, inter-op %d, OpenBLAS %d", e.torchThreads(),
                e.interopThreads(), e.blasThreads()));
        line(b, "thread env", e.threadEnv().isEmpty() ? "(none set)" : String.join(" ", e.threadEnv()));
        line(b, "CUDA available", Boolean.toString(e.cudaAvailable()));
        line(b, "CUDA runtime", e.cudaRuntime() == 0 ? "none" : Long.toString(e.cudaRuntime()));
        line(b, "cuDNN", e.cudnn() == 0 ? "none" : Long.toString(e.cudnn()));
        if (e.gpus().isEmpty()) {
            line(b, "GPUs", "none");
        }
        for (RuntimeEnv.Gpu g : e.gpus()) {
            line(b, "GPU " + g.index(), String.format(Locale.ROOT, "%s, %.1f GiB", g.name(), g.memoryBytes() / 1073741824.0));
        }
        return b.toString().stripTrailing();
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(String.format(Locale.ROOT, "%-15s %s%n", key + ":", value));
    }
}
