package dev.kvlab.model.torch;

import java.util.Locale;

/** Where the model runs: {@code auto} picks CUDA when available, else CPU. */
public enum DeviceKind {
    AUTO, CPU, CUDA;

    /** Parses a CLI value; unknown values get a message listing the choices. */
    public static DeviceKind parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown device '" + s + "'; choose auto, cpu or cuda");
        }
    }
}
