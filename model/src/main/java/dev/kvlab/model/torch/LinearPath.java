package dev.kvlab.model.torch;

import java.util.Locale;

/** How the linear layers' weights are stored and multiplied ({@link LinearWeight}, {@link Linear}). */
public enum LinearPath {
    /** {@link #PANELS} where the kernel runs (CPU, float32, jdk.incubator.vector enabled), else {@link #TORCH}. */
    AUTO,
    /** Weights prepacked once at load into panels; small row counts through kvlab's {@link PanelGemm}. */
    PANELS,
    /** HF's {@code [in, out]} tensors and torch's GEMV/GEMM for every row count (kvlab before the kernel). */
    TORCH;

    /** Parses auto|panels|torch. */
    public static LinearPath parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "panels" -> PANELS;
            case "torch" -> TORCH;
            default -> throw new IllegalArgumentException("unknown linear path '" + s
                    + "'; choose auto, panels or torch");
        };
    }
}
