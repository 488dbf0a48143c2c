package dev.kvlab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.model.natives.GpuNatives;
import dev.kvlab.model.natives.LibrarySearch;
import dev.kvlab.model.natives.MissingLibrary;
import dev.kvlab.model.natives.NativesCheck;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The GPU build on a machine without the CUDA libraries, with the real {@code -Pgpu} jars (~840 MB; tagged
 * {@code gpu-natives}, which only the {@code gpu} profile runs: {@code ./mvnw -Pgpu -pl bench -am verify
 * -Dgroups=gpu-natives}). The missing libraries the check names are compared with the dynamic loader's own answer
 * ({@code ldd}'s way: the loader with {@code LD_TRACE_LOADED_OBJECTS}, which resolves without running anything); then kvlab runs in child JVMs, since loading the
 * wrong natives would end this one: {@code --device cuda} must exit 2 naming each, {@code --device auto} must warn
 * once and generate exactly what {@code --device cpu} generates.
 */
@Tag("gpu-natives")
class GpuNativesFallbackTest {
    private static final Pattern NOT_FOUND = Pattern.compile("^\\s*(\\S+) => not found$", Pattern.MULTILINE);
    private static final String LOADER = "/lib64/ld-linux-x86-64.so.2";
    private static final String JVM_INCUBATOR_NOTE = "WARNING: Using incubator modules";

    @Test
    void missingLibrariesAreWhatTheDynamicLoaderCannotFind() throws Exception {
        assertTrue(GpuNatives.onClassPath(), "the GPU natives are not on the class path: run this test with -Pgpu");
        NativesCheck check = GpuNatives.check();
        assertTrue(check.librariesRead() >= 11, "read " + check.librariesRead());
        Assumptions.assumeTrue(Files.isExecutable(Path.of(LOADER)), "no " + LOADER);
        Set<String> loaderMissing = new TreeSet<>();
        String libraryPath = oracleLibraryPath();
        try (Stream<Path> libs = Files.list(check.directory())) {
            for (Path lib : libs.filter(p -> p.getFileName().toString().endsWith(".so") && !Files.isSymbolicLink(p))
                    .toList()) {
                loaderMissing.addAll(notFound(lib, libraryPath));
            }
        }
        Set<String> ours = check.missing().stream().map(MissingLibrary::soname).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(loaderMissing, ours);
    }

    @Test
    void cudaExitsTwoNamingEachLibraryAndAutoFallsBackWithOneWarning() throws Exception {
        NativesCheck check = GpuNatives.check();
        Assumptions.assumeFalse(check.loadable(), "this machine has every CUDA library: nothing to fall back from");

        Run cuda = kvlab("--device", "cuda");
        assertEquals(2, cuda.code, cuda.err);
        assertEquals(1, cuda.err.strip().lines().count(), cuda.err);
        for (MissingLibrary m : check.missing()) {
            assertTrue(cuda.err.contains(m.soname()), m.soname() + " not named in: " + cuda.err);
        }
        assertEquals("", cuda.out);

        Run auto = kvlab("--device", "auto");
        Run cpu = kvlab("--device", "cpu");
        assertEquals(0, auto.code, auto.err);
        assertEquals(0, cpu.code, cpu.err);
        List<String> warnings = auto.err.strip().lines().toList();
        assertEquals(1, warnings.size(), auto.err);
        assertTrue(warnings.get(0).startsWith("kvlab: warning: running on the CPU natives"), auto.err);
        assertEquals("", cpu.err.strip());
        assertEquals(generatedIds(cpu.out), generatedIds(auto.out));
        assertFalse(generatedIds(cpu.out).isEmpty(), cpu.out);
    }

    private record Run(int code, String out, String err) {
    }

    /** {@code kvlab generate} on tiny-random in a child JVM with this test's class path (the GPU build's) and the
     *  launcher's JVM flags. */
    private static Run kvlab(String... device) throws Exception {
        Path err = Files.createTempFile("kvlab-gpu", ".err");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "--enable-native-access=ALL-UNNAMED",
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                KvlabMain.class.getName(), "generate", "--model", "tiny-random", "--threads", "1",
                "--prompt-ids", "464,2068", "--max-new-tokens", "4", "--ignore-eos", "--json"));
        cmd.addAll(List.of(device));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        pb.environment().remove("OPENBLAS_CORETYPE");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        String e = Files.readString(err).lines().filter(l -> !l.startsWith(JVM_INCUBATOR_NOTE))
                .collect(Collectors.joining("\n"));   // the JVM's own line, printed for --add-modules
        Files.delete(err);
        return new Run(code, out, e);
    }

    private static String generatedIds(String json) {
        Matcher m = Pattern.compile("\"generated_ids\":\\[([0-9,]*)]").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    /** What the loader needs to see the jars' own libraries (JavaCPP preloads those), and every /usr/local/cuda*. */
    private static String oracleLibraryPath() throws Exception {
        List<String> dirs = new ArrayList<>();
        String platform = Loader.getPlatform();
        for (String d : List.of("pytorch/" + platform + GpuNatives.EXTENSION, "cuda/" + platform,
                "javacpp/" + platform, "openblas/" + platform)) {
            for (File f : Loader.cacheResources("/org/bytedeco/" + d + "/")) {
                dirs.add(f.isDirectory() ? f.toString() : f.getParent());
            }
        }
        String env = System.getenv("LD_LIBRARY_PATH");
        if (env != null && !env.isBlank()) {
            dirs.add(0, env);
        }
        String cuda = LibrarySearch.ofSystem(Set.of()).cudaDirs().stream().map(Path::toString)
                .collect(Collectors.joining(":"));
        return String.join(":", dirs) + (cuda.isEmpty() ? "" : ":" + cuda);
    }

    private static Set<String> notFound(Path lib, String libraryPath) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(LOADER, lib.toString()).redirectErrorStream(true);
        pb.environment().put("LD_TRACE_LOADED_OBJECTS", "1");   // what ldd does: list every dependency, run nothing
        pb.environment().put("LD_LIBRARY_PATH", libraryPath);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Set<String> names = new TreeSet<>();
        Matcher m = NOT_FOUND.matcher(out);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
