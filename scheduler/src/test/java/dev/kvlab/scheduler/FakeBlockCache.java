package dev.kvlab.scheduler;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.MemoryStats;
import dev.kvlab.cache.SeqId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Test-only cache that counts blocks like a paged cache without prefix sharing: a sequence holds
 * {@code ceil(seen / blockSize)} blocks, taken on demand from a free queue (lowest id first, freed ones at the back).
 * Optionally pretends a prefix is cached: {@link #prefixHits} says how many leading tokens attach (their blocks are
 * taken like any others).
 *
 * <p>Invariants: free + used == total blocks; no block is owned twice; each table holds ceil(seen / blockSize).
 */
final class FakeBlockCache implements KvCache {

    private final CacheSpec spec;
    private final int blockSize;
    private final int numBlocks;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final Map<SeqId, List<Integer>> tables = new HashMap<>();
    private final Map<SeqId, Integer> seen = new HashMap<>();
    private int peakUsed;
    /** How many leading tokens of a new sequence the "prefix cache" holds; 0 by default. */
    ToIntFunction<int[]> prefixHits = tokens -> 0;
    /** A broken cache: every allocate says NoRoom, asking for one slot. */
    boolean neverRoom;

    FakeBlockCache(int capacityTokens, int blockSize) {
        this.spec = new CacheSpec(1, 1, 1, 4, capacityTokens, 1024);
        this.blockSize = blockSize;
        this.numBlocks = capacityTokens / blockSize;
        reset();
    }

    @Override
    public String name() {
        return "fake-blocks";
    }

    @Override
    public CacheSpec spec() {
        return spec;
    }

    @Override
    public int attachPrefix(SeqId seq, int[] promptIds) {
        int hit = Math.min(prefixHits.applyAsInt(promptIds), promptIds.length - 1);
        int blocks = (hit + blockSize - 1) / blockSize;
        if (hit <= 0 || blocks > free.size() || tables.containsKey(seq)) {
            return 0;
        }
        take(seq, blocks);
        seen.put(seq, hit);
        return hit;
    }

    @Override
    public Allocation allocate(AllocRequest request) {
        int have = numTokens(request.seq());
        if (request.firstPosition() != have) {
            throw new IllegalArgumentException(request.seq() + ": chunk starts at " + request.firstPosition()
                    + " but the cache has seen " + have);
        }
        if (neverRoom) {
            return new Allocation.NoRoom(1, 0, "fake: never any room");
        }
        int end = request.tokenIds().length;
        int need = (end + blockSize - 1) / blockSize - tables.getOrDefault(request.seq(), List.of()).size();
        if (need > free.size()) {
            return new Allocation.NoRoom(need * blockSize, free.size() * blockSize, "fake: " + need
                    + " blocks needed, " + free.size() + " free");
        }
        take(request.seq(), need);
        seen.put(request.seq(), end);
        List<Integer> table = tables.get(request.seq());
        int[] blockTable = new int[table.size()];
        for (int i = 0; i < blockTable.length; i++) {
            blockTable[i] = table.get(i);
        }
        int n = request.numNewTokens();
        int[] slots = new int[n];
        int[] index = new int[n];
        for (int i = 0; i < n; i++) {
            int p = request.firstPosition() + i;
            slots[i] = blockTable[p / blockSize] * blockSize + p % blockSize;
            index[i] = i;
        }
        return new Allocation.Granted(slots, index, new AttentionView.Paged(blockTable, blockSize, end), List.of());
    }

    private void take(SeqId seq, int blocks) {
        List<Integer> table = tables.computeIfAbsent(seq, s -> new ArrayList<>());
        for (int i = 0; i < blocks; i++) {
            table.add(free.pollFirst());
        }
        peakUsed = Math.max(peakUsed, numBlocks - free.size());
    }

    @Override
    public void free(SeqId seq) {
        List<Integer> table = tables.remove(seq);
        if (table != null) {
            free.addAll(table);
        }
        seen.remove(seq);
    }

    @Override
    public void reset() {
        tables.clear();
        seen.clear();
        free.clear();
        for (int b = 0; b < numBlocks; b++) {
            free.addLast(b);
        }
        peakUsed = 0;
    }

    @Override
    public int numTokens(SeqId seq) {
        return seen.getOrDefault(seq, 0);
    }

    @Override
    public MemoryStats memory() {
        int used = numBlocks - free.size();
        int live = seen.values().stream().mapToInt(Integer::intValue).sum();
        return new MemoryStats(numBlocks * blockSize, used * blockSize, live, peakUsed * blockSize, numBlocks, used,
                spec.bytesPerToken());
    }

    @Override
    public void checkInvariants() {
        boolean[] owned = new boolean[numBlocks];
        int total = 0;
        for (int b : free) {
            owned[b] = true;
            total++;
        }
        for (Map.Entry<SeqId, List<Integer>> e : tables.entrySet()) {
            for (int b : e.getValue()) {
                if (owned[b]) {
                    throw new IllegalStateException("block " + b + " owned twice");
                }
                owned[b] = true;
            }
            total += e.getValue().size();
            int expected = (numTokens(e.getKey()) + blockSize - 1) / blockSize;
            if (e.getValue().size() != expected) {
                throw new IllegalStateException(e.getKey() + " holds " + e.getValue().size() + " blocks, expected "
                        + expected);
            }
        }
        if (total != numBlocks) {
            throw new IllegalStateException("free + used == total: " + total + " != " + numBlocks);
        }
    }
}
