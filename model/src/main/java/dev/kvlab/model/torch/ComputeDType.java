package dev.kvlab.model.torch;

import java.util.Locale;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The dtype weights and the KV pool are stored and computed in. Logits are always returned as float32. */
public enum ComputeDType {
    FLOAT32(ScalarType.Float, 4), BFLOAT16(ScalarType.BFloat16, 2), FLOAT16(ScalarType.Half, 2);

    private final ScalarType scalarType;
    private final int bytes;

    ComputeDType(ScalarType scalarType, int bytes) {
        this.scalarType = scalarType;
        this.bytes = bytes;
    }

    public ScalarType scalarType() {
        return scalarType;
    }

    public int bytes() {
        return bytes;
    }

    /** Parses float32|fp32|bfloat16|bf16|float16|fp16. */
    public static ComputeDType parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "f32" -> FLOAT32;
            case "bfloat16", "bf16" -> BFLOAT16;
            case "float16", "fp16", "f16", "half" -> FLOAT16;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "'; choose float32, bfloat16 or float16");
        };
    }
}
