package dev.kvlab.model.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.model.natives.LibrarySearch.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GpuNatives#check(Path, LibrarySearch)} on a synthetic natives directory whose answer is known by
 * construction: what sits where, and which sonames exist nowhere.
 */
class GpuNativesCheckTest {
    private static final LdCache NO_CACHE = LdCache.read(Path.of("/nonexistent/ld.so.cache"));

    @Test
    void findsEveryPlaceAndNamesWhatIsMissing(@TempDir Path tmp) throws IOException {
        Path natives = tmp.resolve("natives");
        Path env = tmp.resolve("env");
        Path cuda = tmp.resolve("usr-local/cuda-13.1/lib64");
        ElfWriter.write(natives.resolve("libtop.so"), "$ORIGIN/deps",
                "libsib.so", "libsys.so.1", "libnowhere.so.3", "libjar.so.2", "libcublas.so.13");
        ElfWriter.write(natives.resolve("libsib.so"), null, "libviaenv.so.4");
        ElfWriter.write(natives.resolve("deps/libsys.so.1"), null, "libdeep-missing.so.9");
        ElfWriter.write(env.resolve("libviaenv.so.4"), null);
        ElfWriter.write(cuda.resolve("libcublas.so.13"), null, "libcublasLt.so.13");
        LibrarySearch search = new LibrarySearch(List.of(env), NO_CACHE, List.of(),
                LibrarySearch.cudaDirs(tmp.resolve("usr-local")), Set.of("libjar.so.2"));

        NativesCheck c = GpuNatives.check(natives, search);

        assertEquals(List.of(new MissingLibrary("libcublasLt.so.13", "libcublas.so.13"),
                new MissingLibrary("libdeep-missing.so.9", "libsys.so.1"),
                new MissingLibrary("libnowhere.so.3", "libtop.so")), sortedBySoname(c));
        assertFalse(c.loadable());
        assertEquals(5, c.librariesRead());   // top and sib (the directory), then sys, viaenv and cublas (found)
        assertTrue(c.describeMissing().contains("libnowhere.so.3 (needed by libtop.so)"), c.describeMissing());
    }

    @Test
    void everythingFoundIsLoadable(@TempDir Path tmp) throws IOException {
        Path natives = tmp.resolve("natives");
        ElfWriter.write(natives.resolve("libtop.so"), null, "libjar.so.2");
        LibrarySearch search = new LibrarySearch(List.of(), NO_CACHE, List.of(), List.of(), Set.of("libjar.so.2"));
        NativesCheck c = GpuNatives.check(natives, search);
        assertTrue(c.loadable(), c.describeMissing());
        assertEquals(1, c.librariesRead());
    }

    @Test
    void searchOrderIsTheLoadersThenCudaThenJars(@TempDir Path tmp) throws IOException {
        Path origin = tmp.resolve("origin");
        Path env = tmp.resolve("env");
        Path deflt = tmp.resolve("default");
        Path cuda = tmp.resolve("local/cuda/lib64");
        for (Path d : List.of(origin.resolve("rp"), env, deflt, cuda)) {
            ElfWriter.write(d.resolve("libboth.so.1"), null);
        }
        ElfWriter.write(deflt.resolve("libdefault.so.1"), null);
        ElfWriter.write(cuda.resolve("libcudaonly.so.1"), null);
        LibrarySearch s = new LibrarySearch(List.of(env), NO_CACHE, List.of(deflt),
                LibrarySearch.cudaDirs(tmp.resolve("local")), Set.of("libjaronly.so.1", "libdefault.so.1"));
        ElfDynamic withRunpath = new ElfDynamic(List.of(), "$ORIGIN/rp", "");
        ElfDynamic withRpath = new ElfDynamic(List.of(), "", "${ORIGIN}/rp");
        assertEquals(Source.LD_LIBRARY_PATH, s.find("libboth.so.1", origin, withRunpath).orElseThrow().source());
        assertEquals(Source.RPATH, s.find("libboth.so.1", origin, withRpath).orElseThrow().source());
        assertEquals(Source.DEFAULT_DIR, s.find("libdefault.so.1", origin, withRunpath).orElseThrow().source());
        assertEquals(Source.CUDA_DIR, s.find("libcudaonly.so.1", origin, withRunpath).orElseThrow().source());
        assertEquals(Source.JAVACPP_JAR, s.find("libjaronly.so.1", origin, withRunpath).orElseThrow().source());
        assertTrue(s.find("libnone.so.1", origin, withRunpath).isEmpty());
    }

    @Test
    void aFileThatIsNotAnElfDoesNotCount(@TempDir Path tmp) throws IOException {
        Path env = Files.createDirectories(tmp.resolve("env"));
        Files.writeString(env.resolve("libtext.so.1"), "not a library");
        LibrarySearch s = new LibrarySearch(List.of(env), NO_CACHE, List.of(), List.of(), Set.of());
        assertTrue(s.find("libtext.so.1", tmp, new ElfDynamic(List.of(), "", "")).isEmpty());
    }

    private static List<MissingLibrary> sortedBySoname(NativesCheck c) {
        return c.missing().stream().sorted((a, b) -> a.soname().compareTo(b.soname())).toList();
    }
}
