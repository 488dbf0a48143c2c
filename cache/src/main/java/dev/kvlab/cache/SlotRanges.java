package dev.kvlab.cache;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Free slot ranges of a pool {@code [0, capacityTokens)}, handed out first-fit (the lowest start that fits) and
 * coalesced with their neighbours when released. Used by strategies that give each sequence one run of slots.
 *
 * <p>Invariants: free ranges are non-empty, disjoint, inside {@code [0, capacity)} and never adjacent (coalesced);
 * {@code freeTokens} is the sum of their lengths; together with the ranges handed out they tile the pool exactly
 * ({@link #checkTiling}).
 */
final class SlotRanges {

    /** A run of slots {@code [start, start + length)}. */
    record Range(int start, int length) {
        int end() {
            return start + length;
        }
    }

    private final int capacity;
    /** start -> length of each free range, ordered by start. */
    private final TreeMap<Integer, Integer> free = new TreeMap<>();
    private int freeTokens;

    SlotRanges(int capacity) {
        this.capacity = capacity;
        clear();
    }

    /** Makes the whole pool one free range again. */
    void clear() {
        free.clear();
        if (capacity > 0) {
            free.put(0, capacity);
        }
        freeTokens = capacity;
    }

    /** Takes the first free range that fits {@code length} slots; empty when none does. */
    OptionalInt take(int length) {
        for (Map.Entry<Integer, Integer> e : free.entrySet()) {
            int start = e.getKey();
            int rangeLength = e.getValue(); // read before remove: TreeMap may recycle the entry
            if (rangeLength >= length) {
                free.remove(start);
                if (rangeLength > length) {
                    free.put(start + length, rangeLength - length);
                }
                freeTokens -= length;
                return OptionalInt.of(start);
            }
        }
        return OptionalInt.empty();
    }

    /** Gives a range back, merging it with free neighbours. */
    void release(int start, int length) {
        Range r = new Range(start, length);
        if (start < 0 || length <= 0 || r.end() > capacity || overlapsFree(r)) {
            throw new IllegalStateException("release of " + r + " that is not a taken range of [0, " + capacity + ")");
        }
        Map.Entry<Integer, Integer> before = free.floorEntry(start);
        if (before != null && before.getKey() + before.getValue() == start) {
            free.remove(before.getKey());
            r = new Range(before.getKey(), before.getValue() + length);
        }
        Integer afterLength = free.remove(r.end());
        if (afterLength != null) {
            r = new Range(r.start(), r.length() + afterLength);
        }
        free.put(r.start(), r.length());
        freeTokens += length;
    }

    private boolean overlapsFree(Range r) {
        Map.Entry<Integer, Integer> before = free.floorEntry(r.end() - 1);
        return before != null && before.getKey() + before.getValue() > r.start();
    }

    int freeTokens() {
        return freeTokens;
    }

    /** Length of the longest free range (0 when the pool is full). */
    int largestFree() {
        return free.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** NoRoom reason for a range of {@code length}: "fragmented" when enough slots are free but not in one run. */
    String noRoomReason(int length) {
        if (length > capacity) {
            return "a range of " + length + " slots exceeds the pool of " + capacity;
        }
        if (freeTokens >= length) {
            return "fragmented: " + freeTokens + " free but no range of " + length + " (largest " + largestFree() + ")";
        }
        return "full: " + freeTokens + " free, need a range of " + length;
    }

    /** Checks the free ranges and that {@code taken} plus free ranges tile {@code [0, capacity)} exactly. */
    void checkTiling(List<Range> taken) {
        List<Range> all = new ArrayList<>(taken);
        int sum = 0;
        for (Map.Entry<Integer, Integer> e : free.entrySet()) {
            if (e.getValue() <= 0) {
                throw new IllegalStateException("free ranges are non-empty: " + e);
            }
            sum += e.getValue();
            all.add(new Range(e.getKey(), e.getValue()));
        }
        if (sum != freeTokens) {
            throw new IllegalStateException("freeTokens == sum of free ranges: " + freeTokens + " != " + sum);
        }
        all.sort(Comparator.comparingInt(Range::start));
        int next = 0;
        for (Range r : all) {
            if (r.start() != next || r.length() <= 0) {
                throw new IllegalStateException("ranges are disjoint and tile the pool: gap or overlap at " + r);
            }
            next = r.end();
        }
        if (next != capacity) {
            throw new IllegalStateException("ranges tile [0, " + capacity + "): they end at " + next);
        }
        checkCoalesced();
    }

    private void checkCoalesced() {
        Integer prevEnd = null;
        for (Map.Entry<Integer, Integer> e : free.entrySet()) {
            if (prevEnd != null && prevEnd == e.getKey().intValue()) {
                throw new IllegalStateException("free ranges are coalesced: two meet at " + prevEnd);
            }
            prevEnd = e.getKey() + e.getValue();
        }
    }

    /** Free ranges in start order (for tests and logs). */
    List<Range> freeRanges() {
        List<Range> out = new ArrayList<>();
        free.forEach((s, l) -> out.add(new Range(s, l)));
        return out;
    }
}
