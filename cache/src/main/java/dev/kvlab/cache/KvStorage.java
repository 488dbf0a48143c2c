package dev.kvlab.cache;

/**
 * How a strategy asks the runtime to store K/V ({@link KvCache#storage}), and what that costs in real bytes.
 *
 * <ul>
 *   <li>{@link Kind#MODEL_DTYPE}: K and V as the model computes them ({@code spec.bytesPerElement()} each).</li>
 *   <li>{@link Kind#INT8}: symmetric int8, after KIVI (Liu et al. 2024, "KIVI: A Tuning-Free Asymmetric 2bit
 *       Quantization for KV Cache"): keys per channel, values per token. Per layer the pool holds int8 K and V
 *       {@code [slots, heads, headDim]}, one fp32 value scale per token and head {@code [slots, heads]}, and one fp32
 *       key scale per channel per block of {@code groupTokens} slots {@code [blocks, heads, headDim]}. The runtime
 *       quantizes when it writes and dequantizes inside attention. KIVI uses 2 bits, asymmetric (scale and zero
 *       point), and keeps the newest tokens in full precision; kvlab uses 8 bits, symmetric, and no full-precision
 *       residual.</li>
 * </ul>
 *
 * @param kind        the element format
 * @param groupTokens INT8: tokens sharing one key scale per channel (the block size); 1 for MODEL_DTYPE
 */
public record KvStorage(Kind kind, int groupTokens) {

    /** Bytes of one fp32 scale. */
    public static final int SCALE_BYTES = 4;

    /** The element format of stored K/V. */
    public enum Kind {
        MODEL_DTYPE,
        INT8
    }

    public static final KvStorage MODEL = new KvStorage(Kind.MODEL_DTYPE, 1);

    public KvStorage {
        if (kind == null || groupTokens <= 0 || (kind == Kind.MODEL_DTYPE && groupTokens != 1)) {
            throw new IllegalArgumentException("storage needs a kind and groupTokens > 0 (1 for MODEL_DTYPE): "
                    + kind + ", " + groupTokens);
        }
    }

    /** int8 keys per channel (one scale per {@code groupTokens} tokens), values per token. */
    public static KvStorage int8(int groupTokens) {
        return new KvStorage(Kind.INT8, groupTokens);
    }

    /** Bytes each stored token costs in one layer: K and V elements, plus its value scales (INT8). */
    public long tokenBytesPerLayer(CacheSpec spec) {
        long elements = 2L * spec.numHeads() * spec.headDim();
        return switch (kind) {
            case MODEL_DTYPE -> elements * spec.bytesPerElement();
            case INT8 -> elements + (long) spec.numHeads() * SCALE_BYTES;
        };
    }

    /** Bytes each group of {@code groupTokens} slots costs in one layer beyond its tokens: the key scales (INT8). */
    public long groupBytesPerLayer(CacheSpec spec) {
        return switch (kind) {
            case MODEL_DTYPE -> 0;
            case INT8 -> (long) spec.numHeads() * spec.headDim() * SCALE_BYTES;
        };
    }

    /** Bytes of one layer's block of {@code groupTokens} slots, scales included. */
    public long groupBytes(CacheSpec spec) {
        return groupTokens * tokenBytesPerLayer(spec) + groupBytesPerLayer(spec);
    }
}
