package dev.kvlab.server;

import dev.kvlab.cache.MemoryStats;
import dev.kvlab.runtime.EngineStats;

/**
 * The engine's state after its last step, published by the engine thread for {@code /metrics} and {@code /health}.
 *
 * @param running requests holding cache
 * @param waiting requests queued in the engine (not yet admitted, or preempted)
 * @param memory  the cache's accounting now
 * @param stats   the engine's counters since it started
 */
record EngineSnapshot(int running, int waiting, MemoryStats memory, EngineStats stats) {
}
