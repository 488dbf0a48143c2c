package dev.kvlab.cache;

/**
 * The fixed geometry of a KV cache, decided once when the cache is built (never lazily).
 *
 * @param numLayers       transformer blocks; each has its own K and V
 * @param numHeads        attention heads (GPT-2 has no grouped-query attention: kv heads == heads)
 * @param headDim         size of one head
 * @param bytesPerElement bytes of one stored K or V element (4 for fp32, 2 for fp16/bf16)
 * @param capacityTokens  how many token slots the shared pool holds (the KV budget)
 * @param maxPositions    the model's context length (GPT-2: n_positions = 1024)
 */
public record CacheSpec(int numLayers, int numHeads, int headDim, int bytesPerElement,
                        int capacityTokens, int maxPositions) {
    public CacheSpec {
        if (numLayers <= 0 || numHeads <= 0 || headDim <= 0 || bytesPerElement <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("cache geometry must be positive: " + this);
        }
        if (capacityTokens < 0) {
            throw new IllegalArgumentException("capacityTokens must be >= 0, got " + capacityTokens);
        }
    }

    /** Bytes of K and V for one token over all layers: 2 * layers * heads * headDim * bytesPerElement. */
    public long bytesPerToken() {
        return 2L * numLayers * numHeads * headDim * bytesPerElement;
    }

    /** Returns the same geometry with another capacity. */
    public CacheSpec withCapacityTokens(int tokens) {
        return new CacheSpec(numLayers, numHeads, headDim, bytesPerElement, tokens, maxPositions);
    }
}
