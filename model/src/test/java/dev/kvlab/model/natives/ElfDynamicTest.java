package dev.kvlab.model.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ElfDynamic} against {@code readelf -d} (binutils), and against a value readelf printed once. */
class ElfDynamicTest {
    private static final Pattern NEEDED = Pattern.compile("\\(NEEDED\\)\\s+Shared library: \\[(.*)]");
    private static final Pattern RUNPATH = Pattern.compile("\\(RUNPATH\\)\\s+Library runpath: \\[(.*)]");

    @Test
    void readsWhatWasWritten(@TempDir Path dir) throws IOException {
        Path f = ElfWriter.write(dir.resolve("libx.so"), "$ORIGIN/deps:/opt/x", "liba.so.1", "libb.so");
        ElfDynamic d = ElfDynamic.read(f).orElseThrow();
        assertEquals(List.of("liba.so.1", "libb.so"), d.needed());
        assertEquals("$ORIGIN/deps:/opt/x", d.runpath());
        assertEquals("", d.rpath());
    }

    @Test
    void notAnElfIsEmpty(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("libfake.so"), "INPUT(-lc)\n");   // a linker script, as libc.so is
        assertTrue(ElfDynamic.read(f).isEmpty());
    }

    /** libjnitorch.so of the pinned CPU jar: {@code readelf -d} (binutils 2.40) printed these NEEDED entries. */
    @Test
    void pinnedJniLibraryMatchesRecordedReadelf() throws IOException {
        ElfDynamic d = ElfDynamic.read(cpuNatives().resolve("libjnitorch.so")).orElseThrow();
        assertEquals(List.of("libtorch_cpu.so", "libc10.so", "libstdc++.so.6", "libm.so.6", "libgcc_s.so.1",
                "libc.so.6", "ld-linux-x86-64.so.2"), d.needed());
        assertTrue(d.runpath().startsWith("$ORIGIN/:"), d.runpath());
    }

    /** Every library of the CPU natives plus the synthetic one, compared with what readelf prints (where installed). */
    @Test
    void matchesReadelf(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("readelf"), "binutils' readelf not installed");
        List<Path> libs = new ArrayList<>();
        libs.add(ElfWriter.write(dir.resolve("libsynthetic.so"), "/opt/lib", "libz.so.1"));
        try (var s = Files.list(cpuNatives())) {
            s.filter(p -> p.getFileName().toString().contains(".so")).forEach(libs::add);
        }
        for (Path lib : libs) {
            String out = readelf(lib);
            ElfDynamic d = ElfDynamic.read(lib).orElseThrow();
            assertEquals(all(NEEDED, out), d.needed(), lib.toString());
            List<String> rp = all(RUNPATH, out);
            assertEquals(rp.isEmpty() ? "" : rp.get(0), d.runpath(), lib.toString());
        }
    }

    static Path cpuNatives() throws IOException {
        File[] f = Loader.cacheResources("/org/bytedeco/pytorch/" + Loader.getPlatform() + "/");
        return f[0].isDirectory() ? f[0].toPath() : f[0].toPath().getParent();
    }

    private static List<String> all(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String readelf(Path lib) throws Exception {
        Process p = new ProcessBuilder("readelf", "-d", "-W", lib.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
