package dev.kvlab.model.torch;

import java.util.Locale;

/** How decode rows (one-token chunks) attend; prefill chunks always use one SDPA call per chunk. */
public enum DecodePath {
    /** {@link #KERNEL} where it runs (CPU, float32, jdk.incubator.vector enabled), else {@link #BATCHED}. */
    AUTO,
    /** kvlab's CPU kernel ({@link DecodeKernel}): one call per layer, K/V read in place. */
    KERNEL,
    /** Torch ops, one padded SDPA per layer over a slot index built once per step: the CUDA path. */
    BATCHED,
    /** The old path: one SDPA per chunk, paged tables and rings gathered first. */
    PER_CHUNK;

    /** Parses auto|kernel|batched|per-chunk. */
    public static DecodePath parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "kernel" -> KERNEL;
            case "batched" -> BATCHED;
            case "per-chunk", "per_chunk" -> PER_CHUNK;
            default -> throw new IllegalArgumentException("unknown decode attention '" + s
                    + "'; choose auto, kernel, batched or per-chunk");
        };
    }
}
