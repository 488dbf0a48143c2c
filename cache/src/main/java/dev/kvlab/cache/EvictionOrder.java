package dev.kvlab.cache;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which entries one eviction removes, at either granularity. Lowest score first, ties to the lowest position; only
 * entries the policy calls evictable. No state.
 */
final class EvictionOrder {

    private EvictionOrder() {
    }

    /** Token granularity: the lowest-scoring evictable entries until at most {@code keep} remain; shape [size]. */
    static boolean[] tokens(StepContext step, int layer, LayerHeld held, int keep, EvictionPolicy policy) {
        boolean[] evict = new boolean[held.size()];
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < held.size(); i++) {
            if (policy.evictable(step, layer, held.position(i))) {
                candidates.add(i);
            }
        }
        candidates.sort(EvictingCache.lowestFirst(held));
        for (int k = 0; k < candidates.size() && held.size() - k > keep; k++) {
            evict[candidates.get(k)] = true;
        }
        return evict;
    }

    /**
     * Block granularity: whole blocks all of whose entries are evictable, lowest total score first (ties: the block
     * whose lowest position is lowest), until at most {@code keep} entries remain. May end below {@code keep} by
     * less than a block, or above it when too few blocks are evictable. Shape [size].
     */
    static boolean[] blocks(StepContext step, int layer, LayerHeld held, int keep, EvictionPolicy policy,
                            int blockSize) {
        Map<Integer, List<Integer>> byBlock = new LinkedHashMap<>();
        for (int i = 0; i < held.size(); i++) {
            byBlock.computeIfAbsent(held.slot(i) / blockSize, b -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> candidates = new ArrayList<>();
        for (List<Integer> entries : byBlock.values()) {
            if (entries.stream().allMatch(i -> policy.evictable(step, layer, held.position(i)))) {
                candidates.add(entries);
            }
        }
        candidates.sort(Comparator.<List<Integer>>comparingDouble(e -> e.stream().mapToDouble(held::score).sum())
                .thenComparingInt(e -> e.stream().mapToInt(held::position).min().orElse(0)));
        boolean[] evict = new boolean[held.size()];
        int remaining = held.size();
        for (List<Integer> entries : candidates) {
            if (remaining <= keep) {
                break;
            }
            for (int i : entries) {
                evict[i] = true;
            }
            remaining -= entries.size();
        }
        return evict;
    }
}
