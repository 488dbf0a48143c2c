package dev.kvlab.model.natives;

import java.io.File;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Loader;

/**
 * The CUDA build of the PyTorch natives ({@code org.bytedeco:pytorch:...:linux-x86_64-gpu}), checked before it is
 * loaded. Loading it on a machine without the CUDA libraries does not fail cleanly: {@code libtorch.so} fails to
 * load, and JavaCPP's retry of {@code libtorch_cpu.so} ends the JVM with SIGSEGV. So {@link #check} extracts the
 * natives, reads every library's {@code DT_NEEDED} entries and looks each one up where the loader and JavaCPP
 * would ({@link LibrarySearch}), transitively, without loading anything.
 *
 * <p>Touches only JavaCPP's {@link Loader} resource helpers (no {@code org.bytedeco.pytorch} class, whose static
 * initialiser would load the natives).
 */
public final class GpuNatives {
    /** The platform extension JavaCPP needs to look in {@code <platform>-gpu/}. */
    public static final String EXTENSION = "-gpu";
    /** The JavaCPP presets whose jars may carry libraries the GPU natives need. */
    private static final List<String> PRESETS = List.of("javacpp", "openblas", "pytorch", "cuda");

    private GpuNatives() {
    }

    /** The resource directory of the GPU natives, e.g. {@code org/bytedeco/pytorch/linux-x86_64-gpu/}. */
    public static String resourceDir() {
        return "org/bytedeco/pytorch/" + Loader.getPlatform() + EXTENSION + "/";
    }

    /** Whether the GPU natives are on the class path (the {@code -Pgpu} build, {@code KVLAB_GPU=1 ./kvlab}). */
    public static boolean onClassPath() {
        return GpuNatives.class.getClassLoader().getResource(resourceDir() + "libtorch_cpu.so") != null;
    }

    /** Extracts the GPU natives into JavaCPP's cache (once; JavaCPP reuses them) and checks them. */
    public static NativesCheck check() throws IOException {
        File[] files = Loader.cacheResources("/" + resourceDir());
        if (files.length == 0) {
            throw new IOException("no GPU natives on the class path at " + resourceDir());
        }
        Path dir = files[0].isDirectory() ? files[0].toPath() : files[0].toPath().getParent();   // the resource dir
        return check(dir, LibrarySearch.ofSystem(jarSonames()));
    }

    /** Checks every shared library in {@code dir} and everything they need, transitively. */
    public static NativesCheck check(Path dir, LibrarySearch search) throws IOException {
        Deque<Path> todo = new ArrayDeque<>(sharedLibraries(dir));
        if (todo.isEmpty()) {
            throw new IOException("no shared libraries in " + dir);
        }
        Set<String> local = new HashSet<>();
        todo.forEach(p -> local.add(p.getFileName().toString()));
        Set<Path> seen = new HashSet<>(todo);
        Map<String, MissingLibrary> missing = new LinkedHashMap<>();
        int read = 0;
        while (!todo.isEmpty()) {
            Path lib = todo.poll();
            Optional<ElfDynamic> dyn = ElfDynamic.read(lib);
            read++;
            if (dyn.isEmpty()) {
                continue;
            }
            for (String needed : dyn.get().needed()) {
                if (local.contains(needed) && lib.getParent().equals(dir)) {
                    continue;   // a sibling: already queued
                }
                Optional<LibrarySearch.Found> f = search.find(needed, lib.getParent(), dyn.get());
                if (f.isEmpty()) {
                    missing.putIfAbsent(needed, new MissingLibrary(needed, lib.getFileName().toString()));
                } else if (f.get().file().isPresent() && seen.add(f.get().file().get().toRealPath())) {
                    todo.add(f.get().file().get().toRealPath());
                }
            }
        }
        return new NativesCheck(dir, read, new ArrayList<>(missing.values()));
    }

    /** The directory's own libraries; symbolic links are JavaCPP's links to other jars' libraries, not its own. */
    private static List<Path> sharedLibraries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> isSharedLibraryName(p.getFileName().toString()) && !Files.isSymbolicLink(p))
                    .sorted().toList();
        }
    }

    static boolean isSharedLibraryName(String name) {
        return name.startsWith("lib") && (name.endsWith(".so") || name.contains(".so."));
    }

    /** File names of the shared libraries in the JavaCPP native jars on the class path (listed, not extracted). */
    static Set<String> jarSonames() throws IOException {
        Set<String> out = new HashSet<>();
        String platform = Loader.getPlatform();
        for (String preset : PRESETS) {
            for (String dir : new String[] {platform, platform + EXTENSION}) {
                String prefix = "org/bytedeco/" + preset + "/" + dir + "/";
                Enumeration<URL> urls = GpuNatives.class.getClassLoader().getResources(prefix);
                for (URL u : Collections.list(urls)) {
                    out.addAll(namesUnder(u, prefix));
                }
            }
        }
        return out;
    }

    private static List<String> namesUnder(URL dirUrl, String prefix) throws IOException {
        List<String> names = new ArrayList<>();
        URLConnection c = dirUrl.openConnection();
        if (c instanceof JarURLConnection jc) {
            jc.setUseCaches(false);
            try (JarFile jar = jc.getJarFile()) {
                for (JarEntry e : Collections.list(jar.entries())) {
                    String n = e.getName();
                    if (n.startsWith(prefix) && n.indexOf('/', prefix.length()) < 0) {
                        addIfLibrary(names, n.substring(prefix.length()));
                    }
                }
            }
        } else if ("file".equals(dirUrl.getProtocol())) {
            try (Stream<Path> s = Files.list(Path.of(dirUrl.toURI()))) {
                s.forEach(p -> addIfLibrary(names, p.getFileName().toString()));
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
        }
        return names;
    }

    private static void addIfLibrary(List<String> names, String name) {
        if (isSharedLibraryName(name)) {
            names.add(name);
        }
    }
}
