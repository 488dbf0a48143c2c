package dev.kvlab.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/** Element types a checkpoint may store; names are the safetensors dtype strings. */
public enum DType {
    /** IEEE binary32. */
    F32(4),
    /** IEEE binary16. */
    F16(2),
    /** bfloat16: the top 16 bits of a binary32. */
    BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The dtype whose safetensors name is {@code name} exactly, or empty if unsupported. */
    public static Optional<DType> parse(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * Widens little-endian elements of this dtype to float32 (exact for all three types).
     *
     * @param src raw little-endian bytes from position to limit; a multiple of {@link #bytes()} long
     * @return {@code src.remaining() / bytes()} floats
     */
    public float[] toFloats(ByteBuffer src) {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() % bytes != 0) {
            throw new IllegalArgumentException(b.remaining() + " bytes is not a whole number of " + this);
        }
        float[] out = new float[b.remaining() / bytes];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (this) {
                case F32 -> b.getFloat();
                case BF16 -> Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16);
                case F16 -> halfToFloat(b.getShort());
            };
        }
        return out;
    }

    /** IEEE binary16 bits to float (JDK 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {                       // inf / NaN
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {                          // zero / subnormal: mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
