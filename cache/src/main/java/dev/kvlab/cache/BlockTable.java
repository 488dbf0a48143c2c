package dev.kvlab.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * One sequence's blocks in position order (the glossary's blockTable): position p sits in slot
 * {@code block(p / blockSize) * blockSize + p % blockSize}. Also remembers the prefix keys of its leading full blocks
 * that were registered (or attached), so the next registration continues the chain.
 *
 * <p>Invariants (checked by {@link PagedCache}): size = ceil(numTokens / blockSize); no block twice;
 * keys.size() &lt;= numTokens / blockSize (only full blocks have keys).
 */
final class BlockTable {

    private final List<Integer> blocks;
    private final List<PrefixIndex.Key> keys;
    private int numTokens;

    BlockTable() {
        this(new ArrayList<>(), new ArrayList<>(), 0);
    }

    private BlockTable(List<Integer> blocks, List<PrefixIndex.Key> keys, int numTokens) {
        this.blocks = blocks;
        this.keys = keys;
        this.numTokens = numTokens;
    }

    /** Same blocks, keys and numTokens, in new lists (fork). */
    BlockTable copy() {
        return new BlockTable(new ArrayList<>(blocks), new ArrayList<>(keys), numTokens);
    }

    int size() {
        return blocks.size();
    }

    int block(int index) {
        return blocks.get(index);
    }

    void add(int block) {
        blocks.add(block);
    }

    void set(int index, int block) {
        blocks.set(index, block);
    }

    /** The blocks in position order, tail last; shape [size()]. */
    int[] toArray() {
        return blocks.stream().mapToInt(Integer::intValue).toArray();
    }

    int numTokens() {
        return numTokens;
    }

    void setNumTokens(int numTokens) {
        this.numTokens = numTokens;
    }

    /** Number of leading full blocks whose prefix key is known. */
    int numKeyed() {
        return keys.size();
    }

    /** Prefix key of leading block {@code index} (index &lt; numKeyed()). */
    PrefixIndex.Key key(int index) {
        return keys.get(index);
    }

    void addKey(PrefixIndex.Key key) {
        keys.add(key);
    }
}
