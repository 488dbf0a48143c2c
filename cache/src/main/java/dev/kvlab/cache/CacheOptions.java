package dev.kvlab.cache;

/**
 * Strategy options, one small record so that no signature grows a parameter per feature.
 * Each strategy reads the fields it needs and ignores the rest.
 *
 * @param blockSize     paged: tokens per block (vLLM default 16)
 * @param prefixSharing paged: share identical full blocks by hash (vLLM prefix caching)
 * @param window        ring: tokens held per sequence, sinks included
 * @param sinks         ring: the first {@code sinks} positions are always kept (StreamingLLM attention sinks)
 * @param reserve       contiguous: how much a sequence reserves when it is opened
 * @param eviction      the eviction policies: budget per layer, granularity and each policy's own knobs
 */
public record CacheOptions(int blockSize, boolean prefixSharing, int window, int sinks, Reserve reserve,
                           EvictionOptions eviction) {

    /** What a contiguous slab reserves for a new sequence. */
    public enum Reserve {
        /** prompt + max new tokens (HF StaticCache sized per request). */
        REQUEST,
        /** the model's whole context (n_positions), as the systems vLLM compared against did. */
        MAX
    }

    public static final CacheOptions DEFAULTS = new CacheOptions(16, true, 256, 4, Reserve.REQUEST);

    /** The options with the default eviction options. */
    public CacheOptions(int blockSize, boolean prefixSharing, int window, int sinks, Reserve reserve) {
        this(blockSize, prefixSharing, window, sinks, reserve, EvictionOptions.DEFAULTS);
    }

    public CacheOptions {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("block size must be positive, got " + blockSize);
        }
        if (window <= 0) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        if (sinks < 0 || sinks >= window) {
            throw new IllegalArgumentException("sinks must be in [0, window), got sinks=" + sinks + " window=" + window);
        }
        if (reserve == null || eviction == null) {
            throw new IllegalArgumentException("reserve and eviction must be given");
        }
    }

    public CacheOptions withBlockSize(int v) {
        return new CacheOptions(v, prefixSharing, window, sinks, reserve, eviction);
    }

    public CacheOptions withPrefixSharing(boolean v) {
        return new CacheOptions(blockSize, v, window, sinks, reserve, eviction);
    }

    public CacheOptions withWindow(int w, int s) {
        return new CacheOptions(blockSize, prefixSharing, w, s, reserve, eviction);
    }

    public CacheOptions withReserve(Reserve v) {
        return new CacheOptions(blockSize, prefixSharing, window, sinks, v, eviction);
    }

    public CacheOptions withEviction(EvictionOptions v) {
        return new CacheOptions(blockSize, prefixSharing, window, sinks, reserve, v);
    }
}
