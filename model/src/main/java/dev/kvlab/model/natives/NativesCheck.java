package dev.kvlab.model.natives;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What checking the GPU natives found, before anything was loaded: the directory they were extracted to, how many
 * libraries were read, and every needed library that is nowhere to be found (empty: safe to load).
 */
public record NativesCheck(Path directory, int librariesRead, List<MissingLibrary> missing) {
    public NativesCheck {
        missing = List.copyOf(missing);
    }

    public boolean loadable() {
        return missing.isEmpty();
    }

    /** The missing sonames, comma-separated, each with the library that needs it. */
    public String describeMissing() {
        return missing.stream().map(MissingLibrary::toString).collect(Collectors.joining(", "));
    }
}
