package dev.kvlab.bench;

/** KV memory of one sequence of {@code tokens} tokens under {@code strategy}, from the cache's accounting. */
public record KvGrowthRow(String strategy, int tokens, long reservedBytes, long liveBytes) {
}
