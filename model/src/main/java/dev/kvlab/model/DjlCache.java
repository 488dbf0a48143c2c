package dev.kvlab.model;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DJL extracts its tokenizer JNI library into a cache directory on first use and fails ("Cannot copy jni
 * files") if that directory is not writable. DJL reads {@code ENGINE_CACHE_DIR}, then {@code DJL_CACHE_DIR}
 * (environment or system property), else uses {@code ~/.djl.ai}. If none is set and the default is not
 * writable (a read-only home in CI), this points {@code ENGINE_CACHE_DIR} at {@code java.io.tmpdir}.
 */
final class DjlCache {
    private DjlCache() {
    }

    static synchronized void ensureWritable() {
        if (isSet("ENGINE_CACHE_DIR") || isSet("DJL_CACHE_DIR")) {
            return;
        }
        Path home = Path.of(System.getProperty("user.home"), ".djl.ai");
        boolean usable = Files.exists(home) ? Files.isWritable(home) : Files.isWritable(home.getParent());
        if (!usable) {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "kvlab-djl-" + System.getProperty("user.name"));
            System.setProperty("ENGINE_CACHE_DIR", tmp.toString());
        }
    }

    private static boolean isSet(String key) {
        String v = System.getenv(key);
        if (v == null || v.isEmpty()) {
            v = System.getProperty(key);
        }
        return v != null && !v.isEmpty();
    }
}
