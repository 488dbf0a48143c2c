package dev.kvlab.model.natives;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The dynamic loader's cache ({@code /etc/ld.so.cache}, what {@code ldconfig -p} prints), read directly: soname to
 * path, x86-64 libc6 entries only, first entry wins (the loader's order). Reads the "glibc-ld.so.cache1.1" format,
 * alone or after the old "ld.so-1.7.0" table. An unreadable or unknown file is an empty cache.
 */
public final class LdCache {
    public static final Path DEFAULT = Path.of("/etc/ld.so.cache");
    private static final String OLD_MAGIC = "ld.so-1.7.0";
    private static final String NEW_MAGIC = "glibc-ld.so.cache1.1";
    private static final int FLAGS_X86_64_LIBC6 = 0x0303;

    private final Map<String, Path> bySoname;

    private LdCache(Map<String, Path> bySoname) {
        this.bySoname = Map.copyOf(bySoname);
    }

    public static LdCache read(Path file) {
        try {
            return new LdCache(parse(ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN)));
        } catch (IOException | RuntimeException e) {
            return new LdCache(Map.of());
        }
    }

    public Optional<Path> find(String soname) {
        return Optional.ofNullable(bySoname.get(soname));
    }

    public int size() {
        return bySoname.size();
    }

    private static Map<String, Path> parse(ByteBuffer b) {
        int start = 0;
        if (startsWith(b, 0, OLD_MAGIC)) {
            int oldEntries = b.getInt(OLD_MAGIC.length() + 1);   // magic, then padding to 12 bytes, then nlibs
            start = align8(16 + oldEntries * 12);
        }
        Map<String, Path> out = new LinkedHashMap<>();
        if (!startsWith(b, start, NEW_MAGIC)) {
            return out;
        }
        int n = b.getInt(start + 20);
        for (int i = 0; i < n; i++) {
            int e = start + 48 + i * 24;
            int flags = b.getInt(e);
            if (flags != FLAGS_X86_64_LIBC6) {
                continue;
            }
            String key = cString(b, start + b.getInt(e + 4));
            String value = cString(b, start + b.getInt(e + 8));
            out.putIfAbsent(key, Path.of(value));
        }
        return out;
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }

    private static boolean startsWith(ByteBuffer b, int at, String magic) {
        if (b.limit() < at + magic.length()) {
            return false;
        }
        for (int i = 0; i < magic.length(); i++) {
            if (b.get(at + i) != magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String cString(ByteBuffer b, int at) {
        int end = at;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
