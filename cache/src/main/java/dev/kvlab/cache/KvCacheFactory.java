package dev.kvlab.cache;

/** Builds one strategy from the shared geometry and the options record. */
@FunctionalInterface
public interface KvCacheFactory {
    KvCache create(CacheSpec spec, CacheOptions options);
}
