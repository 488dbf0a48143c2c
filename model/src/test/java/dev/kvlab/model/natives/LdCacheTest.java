package dev.kvlab.model.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LdCache} against {@code ldconfig -p}, which prints the same cache. */
class LdCacheTest {
    private static final Pattern LINE = Pattern.compile("^\\s+(\\S+) \\(libc6,x86-64[^)]*\\) => (\\S+)$",
            Pattern.MULTILINE);

    @Test
    void matchesLdconfig() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(LdCache.DEFAULT), "no /etc/ld.so.cache");
        String ldconfig = Files.isExecutable(Path.of("/sbin/ldconfig")) ? "/sbin/ldconfig" : "ldconfig";
        Process p = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Map<String, Path> expected = new LinkedHashMap<>();
        Matcher m = LINE.matcher(out);
        while (m.find()) {
            expected.putIfAbsent(m.group(1), Path.of(m.group(2)));
        }
        assertTrue(expected.size() > 10, out);
        LdCache cache = LdCache.read(LdCache.DEFAULT);
        assertEquals(expected.size(), cache.size());
        expected.forEach((soname, path) -> assertEquals(path, cache.find(soname).orElse(null), soname));
    }

    @Test
    void garbageIsAnEmptyCache(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("ld.so.cache"), "glibc-ld.so.cache1.1 but cut short");
        assertEquals(0, LdCache.read(f).size());
        assertEquals(0, LdCache.read(dir.resolve("absent")).size());
    }
}
