package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.model.natives.GpuNatives;
import dev.kvlab.model.natives.HostInfo;
import dev.kvlab.runtime.cli.EnvCommand;
import dev.kvlab.runtime.cli.KvlabCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** {@code kvlab env}: its fields against what the OS says directly (/proc/cpuinfo, the JVM, the loaded file). */
class EnvCommandTest {
    @Command(name = "kvlab")
    static final class Root {
    }

    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, KvlabCli.create(new Root(), new EnvCommand()).execute(args));
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonFieldsMatchTheMachine() throws Exception {
        JsonObject e = JsonParser.parseString(run("env", "--json", "--device", "cpu", "--threads", "1")).getAsJsonObject();
        JsonObject host = e.getAsJsonObject("host");
        assertEquals(Runtime.getRuntime().availableProcessors(), host.get("cores").getAsInt());
        assertEquals(expectedFlags(), strings(host.getAsJsonArray("cpuFlags")));
        assertTrue(host.get("jvm").getAsString().contains(System.getProperty("java.runtime.version")));
        assertEquals(1, e.get("torchThreads").getAsInt());
        assertEquals(1, e.get("blasThreads").getAsInt());
        JsonObject natives = e.getAsJsonObject("natives");
        assertEquals("cpu", natives.get("flavour").getAsString());   // --device cpu never loads the CUDA natives
        Path lib = Path.of(natives.get("path").getAsString());
        assertTrue(Files.isRegularFile(lib) && lib.getFileName().toString().equals("libtorch_cpu.so"), lib.toString());
        assertTrue(e.get("torchVersion").getAsString().matches("\\d+\\.\\d+\\.\\d+"), e.toString());
        assertTrue(e.get("blas").getAsString().contains("OpenBLAS"), e.toString());
        if (!GpuNatives.onClassPath()) {
            assertEquals(false, e.get("cudaAvailable").getAsBoolean());
            assertEquals(0, e.getAsJsonArray("gpus").size());
        }
    }

    @Test
    void textHasOneLinePerField() {
        String text = run("env", "--device", "cpu", "--threads", "1");
        for (String key : List.of("JVM:", "OS:", "CPU:", "CPU flags:", "cores:", "torch:", "JavaCPP:", "natives:",
                "natives path:", "BLAS:", "threads:", "thread env:", "CUDA available:", "cuDNN:", "GPUs:")) {
            assertTrue(text.lines().anyMatch(l -> l.startsWith(key)), key + " missing in\n" + text);
        }
    }

    /** The flags of interest that /proc/cpuinfo lists, in HostInfo's order. */
    private static List<String> expectedFlags() throws Exception {
        Set<String> flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags"))
                .findFirst().map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split(" "))).orElse(Set.of());
        return HostInfo.FLAGS_OF_INTEREST.stream().filter(flags::contains).collect(Collectors.toList());
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        for (JsonElement x : a) {
            out.add(x.getAsString());
        }
        return out;
    }

}
