package dev.kvlab.model.natives;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where a needed shared library is looked for, in the dynamic loader's order plus the places the JavaCPP presets
 * add: the library's own {@code DT_RPATH} (when it has no RUNPATH), {@code LD_LIBRARY_PATH}, its
 * {@code DT_RUNPATH}, the ldconfig cache, the loader's default directories, then {@code /usr/local/cuda*}
 * (the CUDA presets' preload path), and last the sonames the JavaCPP jars on the class path carry themselves
 * (JavaCPP preloads those before the libraries that need them).
 *
 * @param ldLibraryPath the directories of {@code LD_LIBRARY_PATH}, in order
 * @param ldCache       the ldconfig cache
 * @param defaultDirs   the loader's trusted directories
 * @param cudaDirs      the library directories of every {@code /usr/local/cuda*} install
 * @param jarSonames    file names of the shared libraries in the JavaCPP native jars on the class path
 */
public record LibrarySearch(List<Path> ldLibraryPath, LdCache ldCache, List<Path> defaultDirs, List<Path> cudaDirs,
                            Set<String> jarSonames) {
    /** Where a soname was found. */
    public enum Source { RPATH, LD_LIBRARY_PATH, RUNPATH, LDCONFIG_CACHE, DEFAULT_DIR, CUDA_DIR, JAVACPP_JAR }

    /** A soname resolved to a file (absent for a soname that only a JavaCPP jar carries). */
    public record Found(Source source, Optional<Path> file) {
    }

    public LibrarySearch {
        ldLibraryPath = List.copyOf(ldLibraryPath);
        defaultDirs = List.copyOf(defaultDirs);
        cudaDirs = List.copyOf(cudaDirs);
        jarSonames = Set.copyOf(jarSonames);
    }

    static final List<Path> DEFAULT_DIRS = List.of(Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/x86_64-linux-gnu"),
            Path.of("/lib64"), Path.of("/usr/lib64"), Path.of("/lib"), Path.of("/usr/lib"));

    /** This process's search: its {@code LD_LIBRARY_PATH}, the system's cache and CUDA installs, and these jars. */
    public static LibrarySearch ofSystem(Set<String> jarSonames) {
        return new LibrarySearch(splitPath(System.getenv("LD_LIBRARY_PATH"), null), LdCache.read(LdCache.DEFAULT),
                DEFAULT_DIRS, cudaDirs(Path.of("/usr/local")), jarSonames);
    }

    /** Resolves {@code soname} needed by a library in {@code origin} with the given dynamic entries. */
    public Optional<Found> find(String soname, Path origin, ElfDynamic needer) {
        if (needer.runpath().isEmpty()) {
            Optional<Path> p = inDirs(soname, splitPath(needer.rpath(), origin));
            if (p.isPresent()) {
                return Optional.of(new Found(Source.RPATH, p));
            }
        }
        Optional<Path> p = inDirs(soname, ldLibraryPath);
        if (p.isPresent()) {
            return Optional.of(new Found(Source.LD_LIBRARY_PATH, p));
        }
        p = inDirs(soname, splitPath(needer.runpath(), origin));
        if (p.isPresent()) {
            return Optional.of(new Found(Source.RUNPATH, p));
        }
        p = ldCache.find(soname).filter(Files::isRegularFile);
        if (p.isPresent()) {
            return Optional.of(new Found(Source.LDCONFIG_CACHE, p));
        }
        p = inDirs(soname, defaultDirs);
        if (p.isPresent()) {
            return Optional.of(new Found(Source.DEFAULT_DIR, p));
        }
        p = inDirs(soname, cudaDirs);
        if (p.isPresent()) {
            return Optional.of(new Found(Source.CUDA_DIR, p));
        }
        return jarSonames.contains(soname) ? Optional.of(new Found(Source.JAVACPP_JAR, Optional.empty()))
                : Optional.empty();
    }

    /** The first directory holding an x86-64 {@code soname}. */
    private static Optional<Path> inDirs(String soname, List<Path> dirs) {
        for (Path d : dirs) {
            Path f = d.resolve(soname);
            if (Files.isRegularFile(f) && isForThisMachine(f)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    private static boolean isForThisMachine(Path f) {
        try {
            return ElfDynamic.read(f).isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /** A colon-separated path list; {@code $ORIGIN} / {@code ${ORIGIN}} become {@code origin}; empty entries dropped. */
    static List<Path> splitPath(String list, Path origin) {
        List<Path> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (String s : list.split(":")) {
            if (s.isBlank()) {
                continue;
            }
            if (origin != null) {
                s = s.replace("${ORIGIN}", origin.toString()).replace("$ORIGIN", origin.toString());
            } else if (s.contains("$")) {
                continue;
            }
            out.add(Path.of(s));
        }
        return out;
    }

    /** {@code lib64}, {@code lib} and {@code targets/x86_64-linux/lib} of every {@code cuda*} directory under root. */
    static List<Path> cudaDirs(Path root) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "cuda*")) {
            List<Path> installs = new ArrayList<>();
            ds.forEach(installs::add);
            installs.sort(null);
            for (Path c : installs) {
                for (String sub : new String[] {"lib64", "lib", "targets/x86_64-linux/lib"}) {
                    if (Files.isDirectory(c.resolve(sub))) {
                        out.add(c.resolve(sub));
                    }
                }
            }
        } catch (IOException e) {
            // no /usr/local, or unreadable: no CUDA installs
        }
        return out;
    }
}
