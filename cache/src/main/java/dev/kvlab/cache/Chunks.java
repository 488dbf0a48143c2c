package dev.kvlab.cache;

/** Small helpers every strategy shares: the chunk continuity rule and index ranges. No state. */
final class Chunks {

    private Chunks() {
    }

    /**
     * A chunk must start where the cache left off: at {@code seen} (the sequence's numTokens).
     *
     * @throws IllegalArgumentException when the caller skipped or repeated positions (a scheduler bug, not "no room")
     */
    static void requireContinues(AllocRequest request, int seen) {
        if (request.firstPosition() != seen) {
            throw new IllegalArgumentException(request.seq() + ": chunk starts at position " + request.firstPosition()
                    + " but the cache has seen " + seen + " tokens");
        }
    }

    /** Returns {@code [from, from + 1, ..., to - 1]}; shape [to - from]. */
    static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    /** Ceiling of {@code numTokens / blockSize}: blocks needed to hold numTokens tokens. */
    static int blocksFor(int numTokens, int blockSize) {
        return (numTokens + blockSize - 1) / blockSize;
    }
}
