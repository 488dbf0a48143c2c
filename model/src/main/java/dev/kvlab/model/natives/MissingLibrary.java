package dev.kvlab.model.natives;

/** A shared library that a native library needs ({@code DT_NEEDED}) and that none of the search places holds. */
public record MissingLibrary(String soname, String neededBy) {
    @Override
    public String toString() {
        return soname + " (needed by " + neededBy + ")";
    }
}
