/**
 * KV-cache strategies as plain bookkeeping: which pool slots each sequence's keys and values occupy.
 *
 * <p>The seam is {@link dev.kvlab.cache.KvCache}: {@code allocate} answers a chunk with slots to write and an
 * {@link dev.kvlab.cache.AttentionView} to read; the runtime owns the pool tensors ({@code [slots, heads, headDim]}
 * per layer, K and V) and does every write and read. Strategies are listed in {@link dev.kvlab.cache.KvCacheRegistry}:
 * {@code none}, {@code contiguous}, {@code paged}, {@code ring}. Eviction policies ({@code h2o}, {@code tova},
 * {@code snapkv}, {@code knorm}, {@code mix}) and {@code int8} are {@link dev.kvlab.cache.EvictionPolicy} classes on
 * {@link dev.kvlab.cache.EvictingCache}, listed in {@link dev.kvlab.cache.PolicyStrategies}; they answer with
 * {@link dev.kvlab.cache.AttentionView.Held} views, ask for {@link dev.kvlab.cache.StatsRequest}s and evict in
 * {@link dev.kvlab.cache.KvCache#observe}. No class here touches a tensor or native code.
 */
package dev.kvlab.cache;
